// The scalar row kernels (plain std::exp loops) and the vmath.h entry points, which take their kernel from the
// dispatch table (dispatch.cc).
#include "cpu/vmath.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/dispatch.h"

namespace lathe::cpu {

namespace detail {

void vexp_scalar(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}

float row_logsumexp_scalar(const float* x, int64_t n) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t v = 0; v < n; ++v) m = std::max(m, x[v]);
  if (m == -std::numeric_limits<float>::infinity()) return m;
  double s = 0;
  for (int64_t v = 0; v < n; ++v) s += std::exp(static_cast<double>(x[v] - m));
  return m + static_cast<float>(std::log(s));
}

void row_scaled_exp_scalar(float* y, const float* x, int64_t n, float L, float c) {
  for (int64_t i = 0; i < n; ++i) y[i] = c * std::exp(x[i] - L);
}

void swiglu_fwd_scalar(float* h, const float* g, const float* u, int64_t n) {
  for (int64_t i = 0; i < n; ++i) h[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

// d silu(g)/dg = sig(g) (1 + g (1 - sig(g)))
void swiglu_bwd_scalar(float* dg, float* du, const float* dh, const float* g, const float* u, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float sg = 1.0f / (1.0f + std::exp(-g[i]));
    float silu = g[i] * sg;
    float d = dh[i];
    dg[i] = d * u[i] * sg * (1.0f + g[i] * (1.0f - sg));
    du[i] = d * silu;
  }
}

}  // namespace detail

void vexp(float* y, const float* x, int64_t n, Isa isa) { kernels(isa).vexp(y, x, n); }

float row_logsumexp(const float* x, int64_t n, Isa isa) { return kernels(isa).row_logsumexp(x, n); }

void row_scaled_exp(float* y, const float* x, int64_t n, float L, float c, Isa isa) {
  kernels(isa).row_scaled_exp(y, x, n, L, c);
}

}  // namespace lathe::cpu
