// Row kernels of vmath.h, templated on a vector-traits type (V512 / V256); included by vmath_avx512.cc and
// vmath_avx2.cc only (internal linkage).
#pragma once
#include <cmath>
#include <cstdint>

namespace lathe::cpu::detail {
namespace {

template <class V>
void vexp_t(float* y, const float* x, int64_t n) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::store(y + i, V::exp(V::load(x + i)));
  if (i < n) V::store_n(y + i, V::exp(V::load_n(x + i, static_cast<int>(n - i))), static_cast<int>(n - i));
}

template <class V>
float row_logsumexp_t(const float* x, int64_t n) {
  using F = typename V::F;
  F mx[4] = {V::neg_inf(), V::neg_inf(), V::neg_inf(), V::neg_inf()};
  int64_t i = 0;
  for (; i + 4 * V::W <= n; i += 4 * V::W)
    for (int u = 0; u < 4; ++u) mx[u] = V::max(mx[u], V::load(x + i + u * V::W));
  float m = V::hmax(V::max(V::max(mx[0], mx[1]), V::max(mx[2], mx[3])));
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  if (m == -INFINITY) return m;
  // Blocks of 64 vectors summed in f32 lanes (16 terms per lane at most), block sums added in double.
  const F vm = V::set1(m);
  double total = 0;
  for (int64_t b = 0; b < n; b += 64 * V::W) {
    int64_t e = b + 64 * V::W < n ? b + 64 * V::W : n;
    F s[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
    int64_t j = b;
    for (; j + 4 * V::W <= e; j += 4 * V::W)
      for (int u = 0; u < 4; ++u) s[u] = V::add(s[u], V::exp(V::sub(V::load(x + j + u * V::W), vm)));
    for (; j + V::W <= e; j += V::W) s[0] = V::add(s[0], V::exp(V::sub(V::load(x + j), vm)));
    if (j < e) {
      int r = static_cast<int>(e - j);
      // only the r loaded lanes count (the masked ones hold e^(0 - m))
      F t = V::exp(V::sub(V::load_n(x + j, r), vm));
      alignas(64) float tmp[V::W];
      V::store(tmp, t);
      for (int q = 0; q < r; ++q) total += tmp[q];
    }
    total += static_cast<double>(V::hsum(V::add(V::add(s[0], s[1]), V::add(s[2], s[3]))));
  }
  return m + static_cast<float>(std::log(total));
}

template <class V>
void row_scaled_exp_t(float* y, const float* x, int64_t n, float L, float c) {
  const typename V::F vL = V::set1(L), vc = V::set1(c);
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::store(y + i, V::mul(vc, V::exp(V::sub(V::load(x + i), vL))));
  if (i < n) {
    int r = static_cast<int>(n - i);
    V::store_n(y + i, V::mul(vc, V::exp(V::sub(V::load_n(x + i, r), vL))), r);
  }
}

// h = silu(g) * u = g u / (1 + e^-g)
template <class V>
void swiglu_fwd_t(float* h, const float* g, const float* u, int64_t n) {
  const typename V::F one = V::set1(1.f), zero = V::zero();
  auto f = [&](typename V::F gv, typename V::F uv) {
    return V::div(V::mul(gv, uv), V::add(one, V::exp(V::sub(zero, gv))));
  };
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::store(h + i, f(V::load(g + i), V::load(u + i)));
  if (i < n) {
    int r = static_cast<int>(n - i);
    V::store_n(h + i, f(V::load_n(g + i, r), V::load_n(u + i, r)), r);
  }
}

// sg = sigmoid(g); dg = dh u sg (1 + g (1 - sg)); du = dh g sg
template <class V>
void swiglu_bwd_t(float* dg, float* du, const float* dh, const float* g, const float* u, int64_t n) {
  using F = typename V::F;
  const F one = V::set1(1.f), zero = V::zero();
  auto step = [&](F dv, F gv, F uv, F* odg, F* odu) {
    F sg = V::div(one, V::add(one, V::exp(V::sub(zero, gv))));
    F dsg = V::mul(dv, sg);
    *odu = V::mul(dsg, gv);
    *odg = V::mul(V::mul(dsg, uv), V::fma(gv, V::sub(one, sg), one));
  };
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) {
    F a, b;
    step(V::load(dh + i), V::load(g + i), V::load(u + i), &a, &b);
    V::store(dg + i, a);
    V::store(du + i, b);
  }
  if (i < n) {
    int r = static_cast<int>(n - i);
    F a, b;
    step(V::load_n(dh + i, r), V::load_n(g + i, r), V::load_n(u + i, r), &a, &b);
    V::store_n(dg + i, a, r);
    V::store_n(du + i, b, r);
  }
}

}  // namespace
}  // namespace lathe::cpu::detail
