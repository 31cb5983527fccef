// Double-precision reference implementations of the ops (plain loops): the yardstick for forward values and the
// function differentiated by finite differences in the gradient tests.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace lathe::test::ref {

using V = std::vector<double>;

inline V rmsnorm(const V& x, const V& w, int64_t N, int64_t C, double eps) {
  V y(N * C);
  for (int64_t n = 0; n < N; ++n) {
    double ss = 0;
    for (int64_t c = 0; c < C; ++c) ss += x[n * C + c] * x[n * C + c];
    double r = 1.0 / std::sqrt(ss / C + eps);
    for (int64_t c = 0; c < C; ++c) y[n * C + c] = w[c] * x[n * C + c] * r;
  }
  return y;
}

// Rotate-half RoPE with angles pos * inv_freq.
inline V rope(const V& x, const std::vector<int32_t>& pos, const std::vector<float>& inv_freq, int64_t T, int64_t NHX,
              int64_t HD) {
  V y(x.size());
  int64_t half = HD / 2;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t h = 0; h < NHX; ++h)
      for (int64_t i = 0; i < half; ++i) {
        double a = double(float(pos[t]) * inv_freq[i]);
        double c = std::cos(a), s = std::sin(a);
        const double* xr = x.data() + (t * NHX + h) * HD;
        double* yr = y.data() + (t * NHX + h) * HD;
        yr[i] = xr[i] * c - xr[i + half] * s;
        yr[i + half] = xr[i + half] * c + xr[i] * s;
      }
  return y;
}

// Causal GQA attention with optional segments and a query position offset.
inline V attention(const V& q, const V& k, const V& v, const int32_t* seg_q, const int32_t* seg_k, int64_t T, int64_t S,
                   int64_t q_pos0, int64_t NH, int64_t NKV, int64_t HD, double scale) {
  V out(T * NH * HD, 0.0);
  int64_t group = NH / NKV;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t h = 0; h < NH; ++h) {
      int64_t kvh = h / group;
      std::vector<double> sc;
      std::vector<int64_t> idx;
      for (int64_t s = 0; s < S && s <= q_pos0 + t; ++s) {
        if (seg_q && seg_q[t] != seg_k[s]) continue;
        double d = 0;
        for (int64_t i = 0; i < HD; ++i) d += q[(t * NH + h) * HD + i] * k[(s * NKV + kvh) * HD + i];
        sc.push_back(d * scale);
        idx.push_back(s);
      }
      if (sc.empty()) continue;
      double m = *std::max_element(sc.begin(), sc.end()), l = 0;
      for (auto& x : sc) l += (x = std::exp(x - m));
      for (size_t j = 0; j < sc.size(); ++j)
        for (int64_t i = 0; i < HD; ++i) out[(t * NH + h) * HD + i] += sc[j] / l * v[(idx[j] * NKV + kvh) * HD + i];
    }
  return out;
}

inline V swiglu(const V& g, const V& u) {
  V hh(g.size());
  for (size_t i = 0; i < g.size(); ++i) hh[i] = g[i] / (1 + std::exp(-g[i])) * u[i];
  return hh;
}

// logp[t] = log softmax(h W^T)[target[t]] over the full (T, V) logits.
inline V logsoftmax_gather(const V& h, const V& W, const std::vector<int32_t>& target, int64_t T, int64_t Vn,
                           int64_t C) {
  V lp(T, 0.0);
  for (int64_t t = 0; t < T; ++t) {
    V l(Vn);
    for (int64_t v = 0; v < Vn; ++v) {
      double a = 0;
      for (int64_t c = 0; c < C; ++c) a += h[t * C + c] * W[v * C + c];
      l[v] = a;
    }
    double m = *std::max_element(l.begin(), l.end()), s = 0;
    for (double x : l) s += std::exp(x - m);
    if (target[t] >= 0) lp[t] = l[target[t]] - m - std::log(s);
  }
  return lp;
}

inline double dot(const V& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace lathe::test::ref
