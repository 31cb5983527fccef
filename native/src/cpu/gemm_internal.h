// Internal interface between the GEMM drivers (gemm.cc: validation, threading, dispatch) and the per-ISA workers.
#pragma once
#include <cstdint>

#include "cpu/ops.h"

namespace lathe::cpu::detail {

// One thread's share of a GEMM: rows [m0, m1) and columns [n0, n1) of C.
struct GemmTask {
  float* C;
  int64_t ldc;
  const float* A;
  int64_t lda;
  const WeightRef* W;
  int64_t K;  // reduction length
  int64_t m0, m1, n0, n1;
  float alpha;
  bool accumulate;
};

// C = alpha * A · W^T (NT: W is (N, K)) and C = alpha * A · W (NN: W is (K, N)) on the task's block.
void gemm_nt_scalar(const GemmTask& t);
void gemm_nn_scalar(const GemmTask& t);
void gemm_nt_avx2(const GemmTask& t);
void gemm_nn_avx2(const GemmTask& t);
void gemm_nt_avx512(const GemmTask& t);
void gemm_nn_avx512(const GemmTask& t);

// C (M, N) += alpha * A^T · B over columns [n0, n1): A (K, M), B (K, N).
void gemm_tn_scalar(float* C, const float* A, const float* B, int64_t K, int64_t M, int64_t N, int64_t n0, int64_t n1,
                    float alpha);
void gemm_tn_avx2(float* C, const float* A, const float* B, int64_t K, int64_t M, int64_t N, int64_t n0, int64_t n1,
                  float alpha);
void gemm_tn_avx512(float* C, const float* A, const float* B, int64_t K, int64_t M, int64_t N, int64_t n0, int64_t n1,
                    float alpha);

// Column tile width each ISA's micro-kernel uses (threads split N on multiples of it).
inline int64_t gemm_nr(Isa isa) { return isa == Isa::avx512 ? 32 : isa == Isa::avx2 ? 16 : 16; }
inline int64_t gemm_mr(Isa isa) { return isa == Isa::avx512 ? 8 : isa == Isa::avx2 ? 6 : 4; }

}  // namespace lathe::cpu::detail
