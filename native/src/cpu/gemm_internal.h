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

// NF4 block absmax decoder for the inner loops: the same arithmetic as quant::Nf4View::block_absmax (map[q] * scale,
// then + offset, two f32 roundings), without its per-call lookup of the dynamic map. Internal linkage: the SIMD
// translation units include it too, and their copies must never serve the others.
namespace {
struct Nf4Absmax {
  const float* f32;
  const uint8_t* q;
  const float* scale;
  float offset;
  const float* map;
  explicit Nf4Absmax(const quant::Nf4View& v)
      : f32(v.absmax), q(v.absmax_q), scale(v.absmax_scale), offset(v.absmax_offset),
        map(v.absmax ? nullptr : quant::dynamic_map_signed()) {}
  float operator()(int64_t b) const {
    if (f32) return f32[b];
    float t = map[q[b]] * scale[b / quant::kNf4AbsmaxBlock];
    return t + offset;
  }
};
}  // namespace

// Column tile width each ISA's micro-kernel uses (threads split N on multiples of it).
inline int64_t gemm_nr(Isa isa) { return isa == Isa::avx512 ? 32 : isa == Isa::avx2 ? 16 : 16; }
inline int64_t gemm_mr(Isa isa) { return isa == Isa::avx512 ? 8 : isa == Isa::avx2 ? 6 : 4; }

}  // namespace lathe::cpu::detail
