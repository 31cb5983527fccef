// AVX-512 vector traits (16 x f32) for the templated kernels: loads/stores with lane counts, FMA, masks and the
// range-reduced polynomial exp/exp2. Include ONLY from *_avx512.cc files (internal linkage: never linked into a
// path a CPU without AVX-512 could run).
#pragma once
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 false positives inside its own AVX-512 intrinsics
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <cstdint>
#include <limits>

namespace lathe::cpu::detail {
namespace {

struct V512 {
  using F = __m512;
  static constexpr int W = 16;
  // Register blocking of the attention micro-kernels: scores are MRK keys x NV vectors of query rows; the
  // accumulate kernel is MR rows x NVD vectors of head-dim columns (24 accumulators of 32 zmm).
  static constexpr int kStMRK = 8, kStNV = 3, kAccMR = 6, kAccNV = 4;

  static inline __mmask16 lanes(int n) { return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1u); }
  static inline F zero() { return _mm512_setzero_ps(); }
  static inline F set1(float x) { return _mm512_set1_ps(x); }
  static inline F load(const float* p) { return _mm512_loadu_ps(p); }
  static inline void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static inline F load_n(const float* p, int n) { return _mm512_maskz_loadu_ps(lanes(n), p); }
  static inline void store_n(float* p, F v, int n) { _mm512_mask_storeu_ps(p, lanes(n), v); }
  static inline F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static inline F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static inline F add(F a, F b) { return _mm512_add_ps(a, b); }
  static inline F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static inline F div(F a, F b) { return _mm512_div_ps(a, b); }
  static inline F max(F a, F b) { return _mm512_max_ps(a, b); }
  static inline float hsum(F v) { return _mm512_reduce_add_ps(v); }
  static inline float hmax(F v) { return _mm512_reduce_max_ps(v); }
  static inline F neg_inf() { return _mm512_set1_ps(-std::numeric_limits<float>::infinity()); }
  // v where v > -inf, else 0 (the online-softmax reference point of a row that has seen no key yet).
  static inline F finite_or_zero(F v) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, neg_inf(), _CMP_NEQ_OQ), v);
  }
  // 1/v where v > 0, else 0.
  static inline F recip_or_zero(F v) {
    return _mm512_maskz_div_ps(_mm512_cmp_ps_mask(v, zero(), _CMP_GT_OQ), set1(1.f), v);
  }
  // s with -inf in the lanes whose query position (qpos) is before key position j.
  static inline F mask_causal(F s, const int32_t* qpos, int32_t j) {
    __mmask16 hide = _mm512_cmpgt_epi32_mask(_mm512_set1_epi32(j), _mm512_loadu_si512(qpos));
    return _mm512_mask_mov_ps(s, hide, neg_inf());
  }
  // s with -inf in the lanes whose query segment differs from the key's segment sj.
  static inline F mask_segment(F s, const int32_t* segq, int32_t sj) {
    __mmask16 hide = _mm512_cmpneq_epi32_mask(_mm512_set1_epi32(sj), _mm512_loadu_si512(segq));
    return _mm512_mask_mov_ps(s, hide, neg_inf());
  }

  // --- GEMM (gemm_simd.h): register blocking MR rows x 2 vectors, broadcasts, weight-row conversions.
  static constexpr int kGemmMR = 8;
  static inline F broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static inline F load_a(const float* p) { return _mm512_load_ps(p); }  // 64-byte aligned (packed panels)
  static inline void store_a(float* p, F v) { _mm512_store_ps(p, v); }
  static inline F from_bf16(const uint16_t* p) {
    __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
  }
  static inline F from_i8(const int8_t* p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }
  // NF4: the whole 16-entry codebook in one register (vpermps).
  struct Nf4Lut {
    F lut;
  };
  static inline Nf4Lut nf4_lut(const float* codebook) { return {_mm512_loadu_ps(codebook)}; }
  // The 16 codebook values of the 16 codes packed in p[0..7] (element 2j = high nibble of byte j), before the absmax.
  static inline F nf4(const Nf4Lut& lut, const uint8_t* p) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)), lo_mask = _mm_set1_epi8(0x0f);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), lo_mask), lo = _mm_and_si128(bytes, lo_mask);
    return _mm512_permutexvar_ps(_mm512_cvtepu8_epi32(_mm_unpacklo_epi8(hi, lo)), lut.lut);
  }
  // In-register 16x16 transpose: r[i] lane k -> r[k] lane i.
  static inline void transpose(F r[16]) {
    F t[16];
    for (int i = 0; i < 8; ++i) {
      t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; ++i) {
      __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
      __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
      r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
      r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
      r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
      r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 4; ++j) {
        t[8 * i + j] = _mm512_shuffle_f32x4(r[8 * i + j], r[8 * i + j + 4], 0x88);
        t[8 * i + j + 4] = _mm512_shuffle_f32x4(r[8 * i + j], r[8 * i + j + 4], 0xdd);
      }
    for (int j = 0; j < 8; ++j) {
      r[j] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0x88);
      r[j + 8] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0xdd);
    }
  }
  // End of a dot product: the n - k leftover values as masked vectors into s0, then both accumulators summed.
  static inline float dot_finish(F s0, F s1, const float* a, const float* b, int64_t k, int64_t n) {
    for (; k < n; k += 16) {
      const int left = static_cast<int>(n - k < 16 ? n - k : 16);
      s0 = _mm512_fmadd_ps(load_n(a + k, left), load_n(b + k, left), s0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
  }

  // 2^x for the softmax (x <= ~0): n = round(x), f = x - n in [-1/2, 1/2], 2^f by a degree-6 polynomial (Cephes
  // exp2f coefficients, ~2e-7 relative), then scalef multiplies by 2^n with correct subnormals/underflow.
  // -inf gives 0, NaN gives NaN.
  static inline F exp2(F x) {
    x = _mm512_max_ps(set1(-151.f), x);  // operand order: max/min return the second operand for NaN, so NaN stays
    x = _mm512_min_ps(set1(128.f), x);
    F n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    F f = _mm512_sub_ps(x, n);
    F p = set1(1.535336188319500e-4f);
    p = fma(p, f, set1(1.339887440266574e-3f));
    p = fma(p, f, set1(9.618437357674640e-3f));
    p = fma(p, f, set1(5.550332471162809e-2f));
    p = fma(p, f, set1(2.402264791363012e-1f));
    p = fma(p, f, set1(6.931472028550421e-1f));
    p = fma(p, f, set1(1.f));
    return _mm512_scalef_ps(p, n);
  }

  // e^x over the whole float range, ~1 ulp: n = round(x log2 e), r = x - n ln2 (Cody-Waite two-part ln2), e^r by
  // Cephes' expf polynomial, times 2^n via scalef (overflow -> inf, gradual underflow -> subnormals/0). NaN -> NaN.
  static inline F exp(F x) {
    F xc = _mm512_min_ps(_mm512_max_ps(x, set1(-104.f)), set1(89.f));
    F n = _mm512_roundscale_ps(_mm512_mul_ps(xc, set1(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    F r = _mm512_fnmadd_ps(n, set1(0.693359375f), xc);
    r = _mm512_fnmadd_ps(n, set1(-2.12194440e-4f), r);
    F p = set1(1.9875691500e-4f);
    p = fma(p, r, set1(1.3981999507e-3f));
    p = fma(p, r, set1(8.3334519073e-3f));
    p = fma(p, r, set1(4.1665795894e-2f));
    p = fma(p, r, set1(1.6666665459e-1f));
    p = fma(p, r, set1(5.0000001201e-1f));
    p = fma(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, set1(1.f)));
    F y = _mm512_scalef_ps(p, n);
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
  }
};

}  // namespace
}  // namespace lathe::cpu::detail
