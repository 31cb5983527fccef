// AVX2+FMA vector traits (8 x f32) for the templated kernels: loads/stores with lane counts, FMA, masks and the
// range-reduced polynomial exp/exp2. Include ONLY from *_avx2.cc files (internal linkage).
#pragma once
#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <limits>

namespace lathe::cpu::detail {
namespace {

struct V256 {
  using F = __m256;
  static constexpr int W = 8;
  // Register blocking (16 ymm): scores 6 keys x 2 vectors of query rows, accumulate 6 rows x 2 vectors of columns.
  static constexpr int kStMRK = 6, kStNV = 2, kAccMR = 6, kAccNV = 2;

  static inline __m256i lanes(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static inline F zero() { return _mm256_setzero_ps(); }
  static inline F set1(float x) { return _mm256_set1_ps(x); }
  static inline F load(const float* p) { return _mm256_loadu_ps(p); }
  static inline void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static inline F load_n(const float* p, int n) { return _mm256_maskload_ps(p, lanes(n)); }
  static inline void store_n(float* p, F v, int n) { _mm256_maskstore_ps(p, lanes(n), v); }
  static inline F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static inline F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static inline F add(F a, F b) { return _mm256_add_ps(a, b); }
  static inline F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static inline F div(F a, F b) { return _mm256_div_ps(a, b); }
  static inline F max(F a, F b) { return _mm256_max_ps(a, b); }
  static inline float hsum(F v) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
    return _mm_cvtss_f32(h);
  }
  static inline float hmax(F v) {
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
    return _mm_cvtss_f32(h);
  }
  static inline F neg_inf() { return _mm256_set1_ps(-std::numeric_limits<float>::infinity()); }
  static inline F finite_or_zero(F v) { return _mm256_and_ps(v, _mm256_cmp_ps(v, neg_inf(), _CMP_NEQ_OQ)); }
  static inline F recip_or_zero(F v) {
    return _mm256_and_ps(_mm256_div_ps(set1(1.f), v), _mm256_cmp_ps(v, zero(), _CMP_GT_OQ));
  }
  static inline F mask_causal(F s, const int32_t* qpos, int32_t j) {
    __m256i hide = _mm256_cmpgt_epi32(_mm256_set1_epi32(j), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qpos)));
    return _mm256_blendv_ps(s, neg_inf(), _mm256_castsi256_ps(hide));
  }
  static inline F mask_segment(F s, const int32_t* segq, int32_t sj) {
    __m256i same = _mm256_cmpeq_epi32(_mm256_set1_epi32(sj), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(segq)));
    return _mm256_blendv_ps(neg_inf(), s, _mm256_castsi256_ps(same));
  }

  // --- GEMM (gemm_simd.h): register blocking MR rows x 2 vectors, 8-byte broadcasts, weight-row conversions.
  static constexpr int kGemmMR = 6;
  static inline F broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static inline F load_a(const float* p) { return _mm256_load_ps(p); }  // 32-byte aligned (packed panels)
  static inline void store_a(float* p, F v) { _mm256_store_ps(p, v); }
  static inline F from_bf16(const uint16_t* p) {
    __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
  }
  static inline F from_i8(const int8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
  // NF4: the 16-entry codebook as two 8-entry permutes, blended on bit 3 of the code.
  struct Nf4Lut {
    F lo, hi;
  };
  static inline Nf4Lut nf4_lut(const float* codebook) { return {_mm256_loadu_ps(codebook), _mm256_loadu_ps(codebook + 8)}; }
  // The 8 codebook values of the 8 codes packed in p[0..3] (element 2j = high nibble of byte j), before the absmax.
  static inline F nf4(const Nf4Lut& lut, const uint8_t* p) {
    int32_t word;
    std::memcpy(&word, p, 4);
    const __m128i bytes = _mm_cvtsi32_si128(word), lo_mask = _mm_set1_epi8(0x0f);
    const __m128i codes8 = _mm_unpacklo_epi8(_mm_and_si128(_mm_srli_epi16(bytes, 4), lo_mask), _mm_and_si128(bytes, lo_mask));
    const __m256i code = _mm256_cvtepu8_epi32(codes8);
    const F sel = _mm256_castsi256_ps(_mm256_slli_epi32(code, 28));  // bit 3 -> sign: codes 8..15 take lut.hi
    return _mm256_blendv_ps(_mm256_permutevar8x32_ps(lut.lo, code), _mm256_permutevar8x32_ps(lut.hi, code), sel);
  }
  // In-register 8x8 transpose: r[i] lane k -> r[k] lane i.
  static inline void transpose(F r[8]) {
    F t[8], u[8];
    for (int i = 0; i < 4; ++i) {
      t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; ++i) {
      u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
      u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
      u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
      u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int i = 0; i < 4; ++i) {
      r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
      r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
  }
  // End of a dot product: the two accumulators summed, then the n - k leftover products one by one.
  static inline float dot_finish(F s0, F s1, const float* a, const float* b, int64_t k, int64_t n) {
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; k < n; ++k) s += a[k] * b[k];
    return s;
  }

  // 2^x for the softmax (x <= ~0): 2^f (f = x - round(x)) by Cephes' exp2f polynomial, times 2^n built in the
  // exponent field. n is clamped to [-127, 127]; n = -127 gives a zero exponent field, so results below ~2^-126.5
  // (and -inf) flush to 0 — far below anything a probability can resolve. NaN gives NaN.
  static inline F exp2(F x) {
    x = _mm256_min_ps(set1(127.f), _mm256_max_ps(set1(-127.f), x));  // NaN (second operand) passes through
    F n = _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    F f = _mm256_sub_ps(x, n);
    F p = set1(1.535336188319500e-4f);
    p = fma(p, f, set1(1.339887440266574e-3f));
    p = fma(p, f, set1(9.618437357674640e-3f));
    p = fma(p, f, set1(5.550332471162809e-2f));
    p = fma(p, f, set1(2.402264791363012e-1f));
    p = fma(p, f, set1(6.931472028550421e-1f));
    p = fma(p, f, set1(1.f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
  }

  // e^x over the whole float range, ~1 ulp (same reduction and polynomial as V512::exp). 2^n is applied in two
  // halves so n in [-150, 129] never leaves the exponent field: subnormals round correctly, overflow gives inf.
  static inline F exp(F x) {
    F xc = _mm256_min_ps(_mm256_max_ps(x, set1(-104.f)), set1(89.f));
    F n = _mm256_round_ps(_mm256_mul_ps(xc, set1(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    F r = _mm256_fnmadd_ps(n, set1(0.693359375f), xc);
    r = _mm256_fnmadd_ps(n, set1(-2.12194440e-4f), r);
    F p = set1(1.9875691500e-4f);
    p = fma(p, r, set1(1.3981999507e-3f));
    p = fma(p, r, set1(8.3334519073e-3f));
    p = fma(p, r, set1(4.1665795894e-2f));
    p = fma(p, r, set1(1.6666665459e-1f));
    p = fma(p, r, set1(5.0000001201e-1f));
    p = fma(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, set1(1.f)));
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
    const __m256i bias = _mm256_set1_epi32(127);
    F s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    F s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    F y = _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
    return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
  }
};

}  // namespace
}  // namespace lathe::cpu::detail
