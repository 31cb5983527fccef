// AVX2+FMA GEMM workers: 6x16 fp32 micro-kernel (12 ymm accumulators) and vectorized NF4/int8/bf16 row dequantization.
#include <immintrin.h>

#include <cstring>

#include "cpu/gemm_tiles.h"
#include "quant/nf4.h"

namespace lathe::cpu::detail {
namespace {

inline __m256 load_mask_ps(const float* p, int n) {
  alignas(32) static const int32_t ramp[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_load_si256(reinterpret_cast<const __m256i*>(ramp)));
  return _mm256_maskload_ps(p, m);
}
inline void store_mask_ps(float* p, int n, __m256 v) {
  alignas(32) static const int32_t ramp[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_load_si256(reinterpret_cast<const __m256i*>(ramp)));
  _mm256_maskstore_ps(p, m, v);
}

struct Avx2Kernel {
  static constexpr int NR = 16;
  static constexpr int MR = 6;

  template <int MR_>
  static void micro(int64_t kc, const float* A, int64_t lda, const float* Bp, float* C, int64_t ldc, int nr, float alpha,
                    bool load_c) {
    __m256 acc0[MR_], acc1[MR_];
    for (int i = 0; i < MR_; ++i) acc0[i] = acc1[i] = _mm256_setzero_ps();
    for (int64_t k = 0; k < kc; ++k) {
      __m256 b0 = _mm256_load_ps(Bp + k * NR), b1 = _mm256_load_ps(Bp + k * NR + 8);
      for (int i = 0; i < MR_; ++i) {
        __m256 a = _mm256_broadcast_ss(A + i * lda + k);
        acc0[i] = _mm256_fmadd_ps(a, b0, acc0[i]);
        acc1[i] = _mm256_fmadd_ps(a, b1, acc1[i]);
      }
    }
    __m256 va = _mm256_set1_ps(alpha);
    for (int i = 0; i < MR_; ++i) {
      float* c = C + i * ldc;
      __m256 r0 = _mm256_mul_ps(acc0[i], va), r1 = _mm256_mul_ps(acc1[i], va);
      if (nr == 16) {
        if (load_c) {
          r0 = _mm256_add_ps(r0, _mm256_loadu_ps(c));
          r1 = _mm256_add_ps(r1, _mm256_loadu_ps(c + 8));
        }
        _mm256_storeu_ps(c, r0);
        _mm256_storeu_ps(c + 8, r1);
      } else {
        int n0 = nr < 8 ? nr : 8, n1 = nr - n0;
        if (load_c) {
          r0 = _mm256_add_ps(r0, load_mask_ps(c, n0));
          if (n1 > 0) r1 = _mm256_add_ps(r1, load_mask_ps(c + 8, n1));
        }
        store_mask_ps(c, n0, r0);
        if (n1 > 0) store_mask_ps(c + 8, n1, r1);
      }
    }
  }

  // 8 consecutive values of row r of W from column c (c % 8 == 0; NF4/int8 need in % 16 == 0) as one vector; amax is
  // the NF4 block absmax / int8 block scale of that group.
  static inline __m256 load8(const WeightRef& W, int64_t r, int64_t c, float amax) {
    switch (W.dtype) {
      case DType::f32: return _mm256_loadu_ps(W.f32 + r * (W.ld ? W.ld : W.in) + c);
      case DType::bf16: {
        __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(W.bf16 + r * W.in + c)));
        return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
      }
      case DType::nf4: {
        int32_t word;
        std::memcpy(&word, W.nf4.packed + ((r * W.in + c) >> 1), 4);
        __m128i bytes = _mm_cvtsi32_si128(word);
        const __m128i lo_mask = _mm_set1_epi8(0x0f);
        __m128i codes8 = _mm_unpacklo_epi8(_mm_and_si128(_mm_srli_epi16(bytes, 4), lo_mask), _mm_and_si128(bytes, lo_mask));
        __m256i code = _mm256_cvtepu8_epi32(codes8);
        __m256 lo = _mm256_permutevar8x32_ps(_mm256_loadu_ps(quant::kNf4Codebook), code);
        __m256 hi = _mm256_permutevar8x32_ps(_mm256_loadu_ps(quant::kNf4Codebook + 8), code);
        __m256 w = _mm256_blendv_ps(lo, hi, _mm256_castsi256_ps(_mm256_slli_epi32(code, 28)));  // bit 3 -> sign
        return _mm256_mul_ps(w, _mm256_set1_ps(amax));
      }
      default: {  // int8
        const int8_t* s = W.int8.q + r * W.in + c;
        __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(s))));
        return _mm256_mul_ps(v, _mm256_set1_ps(amax));
      }
    }
  }

  // In-register 8x8 transpose: r[i] lane k -> r[k] lane i.
  static inline void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
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

  // Packs the NT panel Bp[k][j] = W[nb + j][kb + k] (j < 16, k < kc) straight from the stored weight through 8x8
  // register transposes (see Avx512Kernel::pack_nt_panel). False for partial panels or unaligned columns.
  static bool pack_nt_panel(float* Bp, const WeightRef& W, int64_t nb, int nr, int64_t kb, int64_t kc) {
    if (nr != NR || (kb & 7) != 0 || (kc & 7) != 0) return false;
    if ((W.dtype == DType::nf4 || W.dtype == DType::int8) && (W.in & 15) != 0) return false;
    if (W.dtype != DType::f32 && W.dtype != DType::bf16 && W.dtype != DType::nf4 && W.dtype != DType::int8) return false;
    int64_t cur[NR];
    float amax[NR];
    for (int j = 0; j < NR; ++j) cur[j] = -1, amax[j] = 1.f;
    const Nf4Absmax absmax_of(W.nf4);
    const int64_t bpr = W.dtype == DType::int8 ? (W.int8.cols + quant::kInt8Block - 1) / quant::kInt8Block : 0;
    for (int half = 0; half < 2; ++half)
      for (int64_t k = 0; k < kc; k += 8) {
        __m256 r[8];
        for (int i = 0; i < 8; ++i) {
          int j = half * 8 + i;
          if (W.dtype == DType::nf4) {
            int64_t b = ((nb + j) * W.in + kb + k) / quant::kNf4Block;
            if (b != cur[j]) cur[j] = b, amax[j] = absmax_of(b);
          } else if (W.dtype == DType::int8) {
            amax[j] = W.int8.scales[(nb + j) * bpr + (kb + k) / quant::kInt8Block];
          }
          r[i] = load8(W, nb + j, kb + k, amax[j]);
        }
        transpose8(r);
        for (int i = 0; i < 8; ++i) _mm256_store_ps(Bp + (k + i) * NR + half * 8, r[i]);
      }
    return true;
  }
  static constexpr int64_t kPrepK = 1;
  static bool prep_rows(float*, const WeightRef&, const float*, int64_t, int, int64_t) { return false; }
  // Generation (M <= 2): out[m] = dot(A row m, W row n), 8 weights at a time dequantized in registers (no row buffer).
  // NF4's 16-entry codebook is two 8-entry permutes blended on bit 3 of the code. False for f32 or unaligned columns.
  static bool dot_rows(float* out, const WeightRef& W, int64_t n, const float* A, int64_t lda, int mc, int64_t K,
                       const float*) {
    if ((K & 15) != 0 || mc > 2) return false;
    if (W.dtype != DType::bf16 && W.dtype != DType::nf4 && W.dtype != DType::int8) return false;
    const float* A1 = mc == 2 ? A + lda : A;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), t0 = _mm256_setzero_ps(), t1 = _mm256_setzero_ps();
    auto fma2 = [&](int64_t k, __m256 w, bool odd) {
      if (odd) {
        t0 = _mm256_fmadd_ps(_mm256_loadu_ps(A + k), w, t0);
        t1 = _mm256_fmadd_ps(_mm256_loadu_ps(A1 + k), w, t1);
      } else {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(A + k), w, s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(A1 + k), w, s1);
      }
    };
    if (W.dtype == DType::nf4) {
      const Nf4Absmax absmax_of(W.nf4);
      const __m256 lut_lo = _mm256_loadu_ps(quant::kNf4Codebook), lut_hi = _mm256_loadu_ps(quant::kNf4Codebook + 8);
      const __m128i lo_mask = _mm_set1_epi8(0x0f);
      const uint64_t i0 = static_cast<uint64_t>(n * W.in);
      const uint8_t* p = W.nf4.packed + (i0 >> 1);
      __m256 amax = _mm256_set1_ps(absmax_of(static_cast<int64_t>(i0 >> 6)));
      for (int64_t k = 0; k < K; k += 16) {
        uint64_t idx = i0 + static_cast<uint64_t>(k);
        if ((idx & 63) == 0) amax = _mm256_set1_ps(absmax_of(static_cast<int64_t>(idx >> 6)));
        __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + (k >> 1)));
        __m128i codes8 = _mm_unpacklo_epi8(_mm_and_si128(_mm_srli_epi16(bytes, 4), lo_mask), _mm_and_si128(bytes, lo_mask));
        for (int h = 0; h < 2; ++h) {
          __m256i c = _mm256_cvtepu8_epi32(h == 0 ? codes8 : _mm_srli_si128(codes8, 8));
          __m256 sel = _mm256_castsi256_ps(_mm256_slli_epi32(c, 28));  // bit 3 -> sign: codes 8..15 take lut_hi
          __m256 w = _mm256_blendv_ps(_mm256_permutevar8x32_ps(lut_lo, c), _mm256_permutevar8x32_ps(lut_hi, c), sel);
          fma2(k + 8 * h, _mm256_mul_ps(w, amax), h == 1);
        }
      }
    } else if (W.dtype == DType::bf16) {
      const uint16_t* row = W.bf16 + n * W.in;
      for (int64_t k = 0; k < K; k += 8) {
        __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + k)));
        fma2(k, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)), (k & 8) != 0);
      }
    } else {
      const int64_t bpr = (W.int8.cols + quant::kInt8Block - 1) / quant::kInt8Block;
      const int8_t* row = W.int8.q + n * W.in;
      const float* sc = W.int8.scales + n * bpr;
      for (int64_t k = 0; k < K; k += 8) {
        __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + k))));
        fma2(k, _mm256_mul_ps(v, _mm256_set1_ps(sc[k / quant::kInt8Block])), (k & 8) != 0);
      }
    }
    out[0] = hsum(_mm256_add_ps(s0, t0));
    if (mc == 2) out[1] = hsum(_mm256_add_ps(s1, t1));
    return true;
  }

  static float hsum(__m256 v) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
    return _mm_cvtss_f32(h);
  }

  static float dot(const float* a, const float* b, int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + 16 <= n; k += 16) {
      s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k), s0);
      s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 8), _mm256_loadu_ps(b + k + 8), s1);
    }
    s0 = _mm256_add_ps(s0, s1);
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s0), _mm256_extractf128_ps(s0, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
    float s = _mm_cvtss_f32(h);
    for (; k < n; ++k) s += a[k] * b[k];
    return s;
  }

  static void dequant_row(float* dst, const WeightRef& W, int64_t r, int64_t c0, int64_t c1) {
    int64_t n = c1 - c0;
    if (W.dtype == DType::bf16) {
      const uint16_t* s = W.bf16 + r * W.in + c0;
      int64_t k = 0;
      for (; k + 8 <= n; k += 8) {
        __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + k)));
        _mm256_storeu_ps(dst + k, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
      }
      if (k < n) weight_row(dst + k, W, r, c0 + k, c1);
      return;
    }
    if (W.dtype == DType::nf4) {
      const quant::Nf4View& q = W.nf4;
      int64_t i0 = r * W.in + c0;
      if ((i0 & 15) != 0 || (n & 15) != 0) {
        quant::nf4_dequantize_range(dst, q, i0, i0 + n);
        return;
      }
      const __m256 lut_lo = _mm256_loadu_ps(quant::kNf4Codebook), lut_hi = _mm256_loadu_ps(quant::kNf4Codebook + 8);
      const __m128i lo_mask = _mm_set1_epi8(0x0f);
      const Nf4Absmax absmax_of(q);
      const __m256i eight = _mm256_set1_epi32(8);
      int64_t cur = -1;
      __m256 amax = _mm256_setzero_ps();
      for (int64_t k = 0; k < n; k += 16) {
        int64_t idx = i0 + k, b = idx / quant::kNf4Block;
        if (b != cur) {
          cur = b;
          amax = _mm256_set1_ps(absmax_of(b));
        }
        __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(q.packed + (idx >> 1)));
        __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), lo_mask), lo = _mm_and_si128(bytes, lo_mask);
        __m128i codes8 = _mm_unpacklo_epi8(hi, lo);
        for (int h = 0; h < 2; ++h) {
          __m256i c = _mm256_cvtepu8_epi32(h == 0 ? codes8 : _mm_srli_si128(codes8, 8));
          __m256 vlo = _mm256_permutevar8x32_ps(lut_lo, c), vhi = _mm256_permutevar8x32_ps(lut_hi, c);
          __m256 sel = _mm256_castsi256_ps(_mm256_cmpgt_epi32(eight, c));  // code < 8 -> low half
          _mm256_storeu_ps(dst + k + 8 * h, _mm256_mul_ps(_mm256_blendv_ps(vhi, vlo, sel), amax));
        }
      }
      return;
    }
    if (W.dtype == DType::int8) {
      const quant::Int8View& q = W.int8;
      if ((c0 & 7) != 0 || (n & 7) != 0) {
        quant::int8_dequantize_row(dst, q, r, c0, c1);
        return;
      }
      const int8_t* s = q.q + r * W.in;
      const float* sc = q.scales + r * ((q.cols + quant::kInt8Block - 1) / quant::kInt8Block);  // no header inline calls in SIMD TUs
      for (int64_t k = 0; k < n; k += 8) {
        int64_t c = c0 + k;
        __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(s + c))));
        _mm256_storeu_ps(dst + k, _mm256_mul_ps(v, _mm256_set1_ps(sc[c / quant::kInt8Block])));
      }
      return;
    }
    weight_row(dst, W, r, c0, c1);
  }
};

}  // namespace

void gemm_nt_avx2(const GemmTask& t) { gemm_nt_tiles<Avx2Kernel>(t); }
void gemm_nn_avx2(const GemmTask& t) { gemm_nn_tiles<Avx2Kernel>(t); }
void gemm_tn_avx2(float* C, const float* A, const float* B, int64_t K, int64_t M, int64_t N, int64_t n0, int64_t n1,
                  float alpha) {
  gemm_tn_blocked(C, A, B, K, M, N, n0, n1, alpha);
}

}  // namespace lathe::cpu::detail
