// AVX2 attention row kernels (8-wide FMA loops, scalar tails).
#include <immintrin.h>

#include "cpu/attn_internal.h"

namespace lathe::cpu::detail {
namespace {

inline float hsum(__m256 v) {
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
  return _mm_cvtss_f32(h);
}

void scores(float* sc, const float* q, const float* k, int64_t ks, int64_t n, int64_t HD, float scale) {
  int64_t hd8 = HD & ~int64_t(7);
  for (int64_t s = 0; s < n; ++s) {
    const float* kr = k + s * ks;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < hd8; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(kr + i), acc);
    float t = hsum(acc);
    for (int64_t i = hd8; i < HD; ++i) t += q[i] * kr[i];
    sc[s] = t * scale;
  }
}

void accum(float* o, const float* p, const float* v, int64_t ks, int64_t n, int64_t HD) {
  int64_t hd8 = HD & ~int64_t(7);
  for (int64_t i = 0; i < hd8; i += 8) {
    __m256 a = _mm256_loadu_ps(o + i);
    for (int64_t s = 0; s < n; ++s) a = _mm256_fmadd_ps(_mm256_set1_ps(p[s]), _mm256_loadu_ps(v + s * ks + i), a);
    _mm256_storeu_ps(o + i, a);
  }
  for (int64_t i = hd8; i < HD; ++i) {
    float a = o[i];
    for (int64_t s = 0; s < n; ++s) a += p[s] * v[s * ks + i];
    o[i] = a;
  }
}

void scatter(float* dst, const float* c, const float* x, int64_t ks, int64_t n, int64_t HD) {
  int64_t hd8 = HD & ~int64_t(7);
  for (int64_t s = 0; s < n; ++s) {
    float* d = dst + s * ks;
    __m256 cs = _mm256_set1_ps(c[s]);
    for (int64_t i = 0; i < hd8; i += 8) _mm256_storeu_ps(d + i, _mm256_fmadd_ps(cs, _mm256_loadu_ps(x + i), _mm256_loadu_ps(d + i)));
    for (int64_t i = hd8; i < HD; ++i) d[i] += c[s] * x[i];
  }
}

}  // namespace

AttnKernels attn_kernels_avx2() { return AttnKernels{scores, accum, scatter}; }

}  // namespace lathe::cpu::detail
