// AVX512 instantiation of the vectorized row kernels (vmath_simd.h).
#include "cpu/simd_avx512.h"
#include "cpu/vmath.h"
#include "cpu/vmath_simd.h"

namespace lathe::cpu::detail {

void vexp_avx512(float* y, const float* x, int64_t n) { vexp_t<V512>(y, x, n); }
float row_logsumexp_avx512(const float* x, int64_t n) { return row_logsumexp_t<V512>(x, n); }
void row_scaled_exp_avx512(float* y, const float* x, int64_t n, float L, float c) { row_scaled_exp_t<V512>(y, x, n, L, c); }
void swiglu_fwd_avx512(float* h, const float* g, const float* u, int64_t n) { swiglu_fwd_t<V512>(h, g, u, n); }
void swiglu_bwd_avx512(float* dg, float* du, const float* dh, const float* g, const float* u, int64_t n) {
  swiglu_bwd_t<V512>(dg, du, dh, g, u, n);
}

}  // namespace lathe::cpu::detail
