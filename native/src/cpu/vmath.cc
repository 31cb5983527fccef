// Dispatch of the vectorized row kernels (vmath.h) by ISA, with the plain std::exp loops as the scalar path.
#include "cpu/vmath.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lathe::cpu {

namespace {
Isa clamp(Isa want) {
  static const Isa best = best_isa();
  return static_cast<int>(want) <= static_cast<int>(best) ? want : best;
}
}  // namespace

void vexp(float* y, const float* x, int64_t n, Isa isa) {
  switch (clamp(isa)) {
    case Isa::avx512: return detail::vexp_avx512(y, x, n);
    case Isa::avx2: return detail::vexp_avx2(y, x, n);
    default:
      for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
  }
}

float row_logsumexp(const float* x, int64_t n, Isa isa) {
  switch (clamp(isa)) {
    case Isa::avx512: return detail::row_logsumexp_avx512(x, n);
    case Isa::avx2: return detail::row_logsumexp_avx2(x, n);
    default: break;
  }
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t v = 0; v < n; ++v) m = std::max(m, x[v]);
  if (m == -std::numeric_limits<float>::infinity()) return m;
  double s = 0;
  for (int64_t v = 0; v < n; ++v) s += std::exp(static_cast<double>(x[v] - m));
  return m + static_cast<float>(std::log(s));
}

void row_scaled_exp(float* y, const float* x, int64_t n, float L, float c, Isa isa) {
  switch (clamp(isa)) {
    case Isa::avx512: return detail::row_scaled_exp_avx512(y, x, n, L, c);
    case Isa::avx2: return detail::row_scaled_exp_avx2(y, x, n, L, c);
    default:
      for (int64_t i = 0; i < n; ++i) y[i] = c * std::exp(x[i] - L);
  }
}

}  // namespace lathe::cpu
