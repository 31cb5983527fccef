// AVX2+FMA GEMM workers: the SIMD kernel (gemm_simd.h) on the 8-lane traits: a 6x16 fp32 micro-kernel (12 ymm
// accumulators) and NF4/int8/bf16 weights converted in registers.
#include "cpu/simd_avx2.h"
#include "cpu/gemm_simd.h"

namespace lathe::cpu::detail {

void gemm_nt_avx2(const GemmTask& t) { gemm_nt_tiles<SimdGemmKernel<V256>>(t); }
void gemm_nn_avx2(const GemmTask& t) { gemm_nn_tiles<SimdGemmKernel<V256>>(t); }
void gemm_tn_avx2(float* C, const float* A, const float* B, int64_t K, int64_t M, int64_t N, int64_t n0, int64_t n1,
                  float alpha) {
  gemm_tn_blocked(C, A, B, K, M, N, n0, n1, alpha);
}

}  // namespace lathe::cpu::detail
