// AVX-512 GEMM workers: the SIMD kernel (gemm_simd.h) on the 16-lane traits: an 8x32 fp32 micro-kernel (16 zmm
// accumulators) and in-register NF4/int8/bf16 conversion, plus an NF4 generation fast path on prepared rows.
#include "cpu/simd_avx512.h"
#include "cpu/gemm_simd.h"

namespace lathe::cpu::detail {
namespace {

struct Avx512Kernel : SimdGemmKernel<V512> {
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
    return SimdGemmKernel<V512>::dot_rows(out, W, n, A, lda, mc, K, nullptr);
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
