// AVX2 instantiation of the vectorized row kernels (vmath_simd.h).
#include "cpu/simd_avx2.h"
#include "cpu/vmath.h"
#include "cpu/vmath_simd.h"

namespace lathe::cpu::detail {

void vexp_avx2(float* y, const float* x, int64_t n) { vexp_t<V256>(y, x, n); }
float row_logsumexp_avx2(const float* x, int64_t n) { return row_logsumexp_t<V256>(x, n); }
void row_scaled_exp_avx2(float* y, const float* x, int64_t n, float L, float c) { row_scaled_exp_t<V256>(y, x, n, L, c); }
void swiglu_fwd_avx2(float* h, const float* g, const float* u, int64_t n) { swiglu_fwd_t<V256>(h, g, u, n); }
void swiglu_bwd_avx2(float* dg, float* du, const float* dh, const float* g, const float* u, int64_t n) {
  swiglu_bwd_t<V256>(dg, du, dh, g, u, n);
}

}  // namespace lathe::cpu::detail
