// AVX-512 attention row kernels (HD-long dots and axpys, masked tails).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 false positive inside its own intrinsics
#endif
#include <immintrin.h>

#include "cpu/attn_internal.h"

namespace lathe::cpu::detail {
namespace {

inline __mmask16 tail_mask(int64_t left) { return left >= 16 ? 0xffff : static_cast<__mmask16>((1u << left) - 1); }

void scores(float* sc, const float* q, const float* k, int64_t ks, int64_t n, int64_t HD, float scale) {
  for (int64_t s = 0; s < n; ++s) {
    const float* kr = k + s * ks;
    __m512 acc = _mm512_setzero_ps();
    for (int64_t i = 0; i < HD; i += 16) {
      __mmask16 m = tail_mask(HD - i);
      acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + i), _mm512_maskz_loadu_ps(m, kr + i), acc);
    }
    sc[s] = _mm512_reduce_add_ps(acc) * scale;
  }
}

void accum(float* o, const float* p, const float* v, int64_t ks, int64_t n, int64_t HD) {
  for (int64_t i = 0; i < HD; i += 64) {  // 4 registers of output stay in zmm across all keys
    __mmask16 m0 = tail_mask(HD - i), m1 = tail_mask(HD - i - 16), m2 = tail_mask(HD - i - 32), m3 = tail_mask(HD - i - 48);
    if (HD - i <= 16) m1 = 0;
    if (HD - i <= 32) m2 = 0;
    if (HD - i <= 48) m3 = 0;
    __m512 a0 = _mm512_maskz_loadu_ps(m0, o + i), a1 = _mm512_maskz_loadu_ps(m1, o + i + 16);
    __m512 a2 = _mm512_maskz_loadu_ps(m2, o + i + 32), a3 = _mm512_maskz_loadu_ps(m3, o + i + 48);
    for (int64_t s = 0; s < n; ++s) {
      const float* vr = v + s * ks + i;
      __m512 ps = _mm512_set1_ps(p[s]);
      a0 = _mm512_fmadd_ps(ps, _mm512_maskz_loadu_ps(m0, vr), a0);
      a1 = _mm512_fmadd_ps(ps, _mm512_maskz_loadu_ps(m1, vr + 16), a1);
      a2 = _mm512_fmadd_ps(ps, _mm512_maskz_loadu_ps(m2, vr + 32), a2);
      a3 = _mm512_fmadd_ps(ps, _mm512_maskz_loadu_ps(m3, vr + 48), a3);
    }
    _mm512_mask_storeu_ps(o + i, m0, a0);
    _mm512_mask_storeu_ps(o + i + 16, m1, a1);
    _mm512_mask_storeu_ps(o + i + 32, m2, a2);
    _mm512_mask_storeu_ps(o + i + 48, m3, a3);
  }
}

void scatter(float* dst, const float* c, const float* x, int64_t ks, int64_t n, int64_t HD) {
  for (int64_t s = 0; s < n; ++s) {
    float* d = dst + s * ks;
    __m512 cs = _mm512_set1_ps(c[s]);
    for (int64_t i = 0; i < HD; i += 16) {
      __mmask16 m = tail_mask(HD - i);
      _mm512_mask_storeu_ps(d + i, m, _mm512_fmadd_ps(cs, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, d + i)));
    }
  }
}

}  // namespace

AttnKernels attn_kernels_avx512() { return AttnKernels{scores, accum, scatter}; }

}  // namespace lathe::cpu::detail
