// AVX-512 GEMM workers: 8x32 fp32 micro-kernel (16 zmm accumulators) and in-register NF4/int8/bf16 row dequantization.
// GCC 12 flags its own AVX-512 intrinsics (the `__Y = __Y` idiom) as maybe-uninitialized: a known false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "cpu/gemm_tiles.h"
#include "quant/nf4.h"

namespace lathe::cpu::detail {
namespace {

struct Avx512Kernel {
  static constexpr int NR = 32;
  static constexpr int MR = 8;

  template <int MR_>
  static void micro(int64_t kc, const float* A, int64_t lda, const float* Bp, float* C, int64_t ldc, int nr, float alpha,
                    bool load_c) {
    __m512 acc0[MR_], acc1[MR_];
    for (int i = 0; i < MR_; ++i) acc0[i] = acc1[i] = _mm512_setzero_ps();
    for (int64_t k = 0; k < kc; ++k) {
      __m512 b0 = _mm512_load_ps(Bp + k * NR), b1 = _mm512_load_ps(Bp + k * NR + 16);
      for (int i = 0; i < MR_; ++i) {
        __m512 a = _mm512_set1_ps(A[i * lda + k]);
        acc0[i] = _mm512_fmadd_ps(a, b0, acc0[i]);
        acc1[i] = _mm512_fmadd_ps(a, b1, acc1[i]);
      }
    }
    __m512 va = _mm512_set1_ps(alpha);
    __mmask16 m0 = nr >= 16 ? 0xffff : static_cast<__mmask16>((1u << nr) - 1);
    __mmask16 m1 = nr >= 32 ? 0xffff : nr <= 16 ? 0 : static_cast<__mmask16>((1u << (nr - 16)) - 1);
    for (int i = 0; i < MR_; ++i) {
      float* c = C + i * ldc;
      __m512 r0 = _mm512_mul_ps(acc0[i], va), r1 = _mm512_mul_ps(acc1[i], va);
      if (load_c) {
        r0 = _mm512_add_ps(r0, _mm512_maskz_loadu_ps(m0, c));
        r1 = _mm512_add_ps(r1, _mm512_maskz_loadu_ps(m1, c + 16));
      }
      _mm512_mask_storeu_ps(c, m0, r0);
      _mm512_mask_storeu_ps(c + 16, m1, r1);
    }
  }

  static float dot(const float* a, const float* b, int64_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k + 32 <= n; k += 32) {
      s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + k), _mm512_loadu_ps(b + k), s0);
      s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + k + 16), _mm512_loadu_ps(b + k + 16), s1);
    }
    if (k < n) {
      for (; k < n; k += 16) {
        __mmask16 m = n - k >= 16 ? 0xffff : static_cast<__mmask16>((1u << (n - k)) - 1);
        s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + k), _mm512_maskz_loadu_ps(m, b + k), s0);
      }
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
  }

  // 16 consecutive values of row r of W from column c (c % 16 == 0; NF4 also needs in % 16 == 0) as one vector;
  // amax is the NF4 block absmax / int8 block scale of that group (the caller caches it per 64-column block).
  static inline __m512 load16(const WeightRef& W, int64_t r, int64_t c, float amax) {
    switch (W.dtype) {
      case DType::f32: return _mm512_loadu_ps(W.f32 + r * (W.ld ? W.ld : W.in) + c);
      case DType::bf16: {
        __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(W.bf16 + r * W.in + c)));
        return _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
      }
      case DType::nf4: {
        int64_t idx = r * W.in + c;
        __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(W.nf4.packed + (idx >> 1)));
        const __m128i lo_mask = _mm_set1_epi8(0x0f);
        __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), lo_mask), lo = _mm_and_si128(bytes, lo_mask);
        __m512i codes = _mm512_cvtepu8_epi32(_mm_unpacklo_epi8(hi, lo));  // element 2j = high nibble of byte j
        return _mm512_mul_ps(_mm512_permutexvar_ps(codes, _mm512_loadu_ps(quant::kNf4Codebook)), _mm512_set1_ps(amax));
      }
      default: {  // int8
        const int8_t* s = W.int8.q + r * W.in + c;
        __m512 v = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s))));
        return _mm512_mul_ps(v, _mm512_set1_ps(amax));
      }
    }
  }

  // Generation (M <= 2): out[m] = alpha-less dot(A row m, W row n) over K, dequantizing 16 values at a time straight
  // into registers (no row buffer round trip). Returns false (caller dequantizes a row buffer) when W is f32 or the
  // columns are not 16-aligned.
  // NF4 generation fast path, part 1: the (<= 2) activation rows split into the even and odd columns of every
  // 32-column group (prep[m*K + 32g + i] = A[m][32g + 2i], prep[m*K + 32g + 16 + i] = A[m][32g + 2i + 1]), so the high
  // and low nibbles of 16 packed bytes dot straight against them without re-interleaving the codes. Once per task.
  static constexpr int64_t kPrepK = 4096;
  static bool prep_rows(float* prep, const WeightRef& W, const float* A, int64_t lda, int mc, int64_t K) {
    if (W.dtype != DType::nf4 || (W.in & 31) != 0 || K > kPrepK || mc > 2) return false;
    for (int m = 0; m < mc; ++m)
      for (int64_t g = 0; g < K; g += 32)
        for (int i = 0; i < 16; ++i) {
          prep[m * K + g + i] = A[m * lda + g + 2 * i];
          prep[m * K + g + 16 + i] = A[m * lda + g + 2 * i + 1];
        }
    return true;
  }

  // Part 2: row n of W against the prepared rows; per 32 weights one byte load, two code lookups, and the block
  // absmax applied once per partial sum.
  template <int MC>
  static void nf4_dot_prepped(float* out, const WeightRef& W, int64_t n, const float* prep, int64_t K) {
    const Nf4Absmax absmax_of(W.nf4);
    const __m512 lut = _mm512_loadu_ps(quant::kNf4Codebook);
    const __m512i lo_mask = _mm512_set1_epi32(0x0f);
    const uint64_t i0 = static_cast<uint64_t>(n * W.in);
    const uint8_t* p = W.nf4.packed + (i0 >> 1);
    __m512 acc[MC], amax = _mm512_set1_ps(absmax_of(static_cast<int64_t>(i0 >> 6)));
    for (int m = 0; m < MC; ++m) acc[m] = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; k += 32) {
      uint64_t idx = i0 + static_cast<uint64_t>(k);
      if ((idx & 63) == 0) amax = _mm512_set1_ps(absmax_of(static_cast<int64_t>(idx >> 6)));
      __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + (k >> 1))));
      __m512 wh = _mm512_permutexvar_ps(_mm512_srli_epi32(v, 4), lut);
      __m512 wl = _mm512_permutexvar_ps(_mm512_and_si512(v, lo_mask), lut);
      for (int m = 0; m < MC; ++m) {
        const float* a = prep + m * K + k;
        __m512 part = _mm512_fmadd_ps(wh, _mm512_loadu_ps(a), _mm512_mul_ps(wl, _mm512_loadu_ps(a + 16)));
        acc[m] = _mm512_fmadd_ps(part, amax, acc[m]);
      }
    }
    for (int m = 0; m < MC; ++m) out[m] = _mm512_reduce_add_ps(acc[m]);
  }

  static bool dot_rows(float* out, const WeightRef& W, int64_t n, const float* A, int64_t lda, int mc, int64_t K,
                       const float* prep) {
    if (prep) {
      if (mc == 2) nf4_dot_prepped<2>(out, W, n, prep, K);
      else nf4_dot_prepped<1>(out, W, n, prep, K);
      return true;
    }
    if (W.dtype == DType::f32 || (K & 15) != 0 || mc > 2) return false;
    if (W.dtype != DType::bf16 && W.dtype != DType::nf4 && W.dtype != DType::int8) return false;
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), t0 = _mm512_setzero_ps(), t1 = _mm512_setzero_ps();
    const float* A1 = mc == 2 ? A + lda : A;  // a single row is simply computed twice (cheap: W is the bottleneck)
    auto fma2 = [&](int64_t k, __m512 w, bool odd) {
      if (odd) {
        t0 = _mm512_fmadd_ps(_mm512_loadu_ps(A + k), w, t0);
        t1 = _mm512_fmadd_ps(_mm512_loadu_ps(A1 + k), w, t1);
      } else {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(A + k), w, s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(A1 + k), w, s1);
      }
    };
    if (W.dtype == DType::nf4) {
      // Specialised loop: block boundaries tracked incrementally (blocks run over the flattened weight).
      const Nf4Absmax absmax_of(W.nf4);
      const __m512 lut = _mm512_loadu_ps(quant::kNf4Codebook);
      const __m128i lo_mask = _mm_set1_epi8(0x0f);
      const uint64_t i0 = static_cast<uint64_t>(n * W.in);
      const uint8_t* p = W.nf4.packed + (i0 >> 1);
      __m512 amax = _mm512_set1_ps(absmax_of(static_cast<int64_t>(i0 >> 6)));
      for (int64_t k = 0; k < K; k += 16) {
        uint64_t idx = i0 + static_cast<uint64_t>(k);
        if ((idx & 63) == 0) amax = _mm512_set1_ps(absmax_of(static_cast<int64_t>(idx >> 6)));
        __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + (k >> 1)));
        __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), lo_mask), lo = _mm_and_si128(bytes, lo_mask);
        __m512i codes = _mm512_cvtepu8_epi32(_mm_unpacklo_epi8(hi, lo));
        fma2(k, _mm512_mul_ps(_mm512_permutexvar_ps(codes, lut), amax), (k & 16) != 0);
      }
    } else if (W.dtype == DType::bf16) {
      const uint16_t* row = W.bf16 + n * W.in;
      for (int64_t k = 0; k < K; k += 16) {
        __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + k)));
        fma2(k, _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)), (k & 16) != 0);
      }
    } else {
      const int64_t bpr = (W.int8.cols + quant::kInt8Block - 1) / quant::kInt8Block;
      const int8_t* row = W.int8.q + n * W.in;
      const float* sc = W.int8.scales + n * bpr;
      for (int64_t k = 0; k < K; k += 16) {
        __m512 v = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + k))));
        fma2(k, _mm512_mul_ps(v, _mm512_set1_ps(sc[k / quant::kInt8Block])), (k & 16) != 0);
      }
    }
    out[0] = _mm512_reduce_add_ps(_mm512_add_ps(s0, t0));
    if (mc == 2) out[1] = _mm512_reduce_add_ps(_mm512_add_ps(s1, t1));
    return true;
  }

  // In-register 16x16 transpose: r[i] lane k -> r[k] lane i.
  static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
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

  // Packs the NT panel Bp[k][j] = W[nb + j][kb + k] (j < 32, k < kc) straight from the stored weight: 16 rows x 16
  // columns are dequantized into registers, transposed, and stored as 16 panel rows (no scalar scatter). Returns
  // false (caller packs generically) for partial panels or unaligned columns.
  static bool pack_nt_panel(float* Bp, const WeightRef& W, int64_t nb, int nr, int64_t kb, int64_t kc) {
    if (nr != NR || (kb & 15) != 0 || (kc & 15) != 0) return false;
    if ((W.dtype == DType::nf4 || W.dtype == DType::int8) && (W.in & 15) != 0) return false;
    if (W.dtype != DType::f32 && W.dtype != DType::bf16 && W.dtype != DType::nf4 && W.dtype != DType::int8) return false;
    // NF4 blocks run over the flattened weight (they may straddle rows when in % 64 != 0): the absmax of each row's
    // current block is cached and looked up again only when the block changes (every 64 columns at most).
    int64_t cur[NR];
    float amax[NR];
    const Nf4Absmax absmax_of(W.nf4);
    for (int j = 0; j < NR; ++j) cur[j] = -1, amax[j] = 1.f;
    const int64_t bpr = W.dtype == DType::int8 ? (W.int8.cols + quant::kInt8Block - 1) / quant::kInt8Block : 0;
    for (int half = 0; half < 2; ++half)
      for (int64_t k = 0; k < kc; k += 16) {
        __m512 r[16];
        for (int i = 0; i < 16; ++i) {
          int j = half * 16 + i;
          if (W.dtype == DType::nf4) {
            int64_t b = ((nb + j) * W.in + kb + k) / quant::kNf4Block;
            if (b != cur[j]) cur[j] = b, amax[j] = absmax_of(b);
          } else if (W.dtype == DType::int8) {
            amax[j] = W.int8.scales[(nb + j) * bpr + (kb + k) / quant::kInt8Block];
          }
          r[i] = load16(W, nb + j, kb + k, amax[j]);
        }
        transpose16(r);
        for (int i = 0; i < 16; ++i) _mm512_store_ps(Bp + (k + i) * NR + half * 16, r[i]);
      }
    return true;
  }

  // Row r, columns [c0, c1) of W as f32. NF4: 16 codes per step through a one-register LUT (vpermps).
  static void dequant_row(float* dst, const WeightRef& W, int64_t r, int64_t c0, int64_t c1) {
    int64_t n = c1 - c0;
    if (W.dtype == DType::bf16) {
      const uint16_t* s = W.bf16 + r * W.in + c0;
      int64_t k = 0;
      for (; k + 16 <= n; k += 16) {
        __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + k)));
        _mm512_storeu_ps(dst + k, _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)));
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
      const __m512 lut = _mm512_loadu_ps(quant::kNf4Codebook);
      const Nf4Absmax absmax_of(q);
      const __m128i lo_mask = _mm_set1_epi8(0x0f);
      int64_t cur = -1;
      __m512 amax = _mm512_setzero_ps();
      for (int64_t k = 0; k < n; k += 16) {
        int64_t idx = i0 + k, b = idx / quant::kNf4Block;
        if (b != cur) {
          cur = b;
          amax = _mm512_set1_ps(absmax_of(b));
        }
        __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(q.packed + (idx >> 1)));
        __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), lo_mask), lo = _mm_and_si128(bytes, lo_mask);
        __m512i codes = _mm512_cvtepu8_epi32(_mm_unpacklo_epi8(hi, lo));  // element 2j = high nibble of byte j
        _mm512_storeu_ps(dst + k, _mm512_mul_ps(_mm512_permutexvar_ps(codes, lut), amax));
      }
      return;
    }
    if (W.dtype == DType::int8) {
      const quant::Int8View& q = W.int8;
      if ((c0 & 15) != 0 || (n & 15) != 0) {
        quant::int8_dequantize_row(dst, q, r, c0, c1);
        return;
      }
      const int8_t* s = q.q + r * W.in;
      const float* sc = q.scales + r * ((q.cols + quant::kInt8Block - 1) / quant::kInt8Block);  // no header inline calls in SIMD TUs
      for (int64_t k = 0; k < n; k += 16) {
        int64_t c = c0 + k;
        __m512 v = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + c))));
        _mm512_storeu_ps(dst + k, _mm512_mul_ps(v, _mm512_set1_ps(sc[c / quant::kInt8Block])));
      }
      return;
    }
    weight_row(dst, W, r, c0, c1);
  }
};

}  // namespace

void gemm_nt_avx512(const GemmTask& t) { gemm_nt_tiles<Avx512Kernel>(t); }
void gemm_nn_avx512(const GemmTask& t) { gemm_nn_tiles<Avx512Kernel>(t); }
void gemm_tn_avx512(float* C, const float* A, const float* B, int64_t K, int64_t M, int64_t N, int64_t n0, int64_t n1,
                    float alpha) {
  gemm_tn_blocked(C, A, B, K, M, N, n0, n1, alpha);
}

}  // namespace lathe::cpu::detail
