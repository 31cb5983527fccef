// The SIMD GEMM kernel written once over the vector traits (V256 in simd_avx2.h, V512 in simd_avx512.h): the
// MR x 2-vector micro-kernel, weight rows converted W values at a time (f32, bf16, NF4, int8), NT panels packed
// through in-register transposes, and the generation dot products. gemm_tiles.h drives it. Include ONLY from
// *_avx2.cc / *_avx512.cc files, after the traits header (internal linkage).
#pragma once
#include <cstdint>

#include "cpu/gemm_tiles.h"
#include "quant/nf4.h"

namespace lathe::cpu::detail {
namespace {

template <class V>
struct SimdGemmKernel {
  using F = typename V::F;
  static constexpr int W = V::W;
  static constexpr int NR = 2 * W;
  static constexpr int MR = V::kGemmMR;

  // C (mr, nr) = alpha * A (mr, kc) · Bp (kc, NR) (+ C when load_c): MR_ rows x 2 vectors of accumulators.
  template <int MR_>
  static void micro(int64_t kc, const float* A, int64_t lda, const float* Bp, float* C, int64_t ldc, int nr, float alpha,
                    bool load_c) {
    F acc0[MR_], acc1[MR_];
    for (int i = 0; i < MR_; ++i) acc0[i] = acc1[i] = V::zero();
    for (int64_t k = 0; k < kc; ++k) {
      F b0 = V::load_a(Bp + k * NR), b1 = V::load_a(Bp + k * NR + W);
      for (int i = 0; i < MR_; ++i) {
        F a = V::broadcast(A + i * lda + k);
        acc0[i] = V::fma(a, b0, acc0[i]);
        acc1[i] = V::fma(a, b1, acc1[i]);
      }
    }
    const F va = V::set1(alpha);
    const int n0 = nr < W ? nr : W, n1 = nr - n0;
    for (int i = 0; i < MR_; ++i) {
      float* c = C + i * ldc;
      F r0 = V::mul(acc0[i], va), r1 = V::mul(acc1[i], va);
      if (nr == NR) {
        if (load_c) {
          r0 = V::add(r0, V::load(c));
          r1 = V::add(r1, V::load(c + W));
        }
        V::store(c, r0);
        V::store(c + W, r1);
      } else {
        if (load_c) {
          r0 = V::add(r0, V::load_n(c, n0));
          if (n1 > 0) r1 = V::add(r1, V::load_n(c + W, n1));
        }
        V::store_n(c, r0, n0);
        if (n1 > 0) V::store_n(c + W, r1, n1);
      }
    }
  }

  static float dot(const float* a, const float* b, int64_t n) {
    F s0 = V::zero(), s1 = V::zero();
    int64_t k = 0;
    for (; k + 2 * W <= n; k += 2 * W) {
      s0 = V::fma(V::load(a + k), V::load(b + k), s0);
      s1 = V::fma(V::load(a + k + W), V::load(b + k + W), s1);
    }
    return V::dot_finish(s0, s1, a, b, k, n);
  }

  // W consecutive values of row r of W from column c (c % W == 0; NF4/int8 need in % 16 == 0) as one vector; amax is
  // the NF4 block absmax / int8 block scale of that group.
  static inline F load_w(const WeightRef& Wt, int64_t r, int64_t c, float amax) {
    switch (Wt.dtype) {
      case DType::f32: return V::load(Wt.f32 + r * (Wt.ld ? Wt.ld : Wt.in) + c);
      case DType::bf16: return V::from_bf16(Wt.bf16 + r * Wt.in + c);
      case DType::nf4: return V::mul(V::nf4(V::nf4_lut(quant::kNf4Codebook), Wt.nf4.packed + ((r * Wt.in + c) >> 1)), V::set1(amax));
      default: return V::mul(V::from_i8(Wt.int8.q + r * Wt.in + c), V::set1(amax));  // int8
    }
  }

  // Packs the NT panel Bp[k][j] = W[nb + j][kb + k] (j < NR, k < kc) straight from the stored weight: W rows x W
  // columns are converted into registers, transposed, and stored as W panel rows (no scalar scatter). NF4 blocks run
  // over the flattened weight (they may straddle rows when in % 64 != 0): each row's current block absmax is cached.
  // False (the caller packs generically) for partial panels or unaligned columns.
  static bool pack_nt_panel(float* Bp, const WeightRef& Wt, int64_t nb, int nr, int64_t kb, int64_t kc) {
    if (nr != NR || (kb & (W - 1)) != 0 || (kc & (W - 1)) != 0) return false;
    if ((Wt.dtype == DType::nf4 || Wt.dtype == DType::int8) && (Wt.in & 15) != 0) return false;
    if (Wt.dtype != DType::f32 && Wt.dtype != DType::bf16 && Wt.dtype != DType::nf4 && Wt.dtype != DType::int8) return false;
    int64_t cur[NR];
    float amax[NR];
    for (int j = 0; j < NR; ++j) cur[j] = -1, amax[j] = 1.f;
    const Nf4Absmax absmax_of(Wt.nf4);
    const int64_t bpr = Wt.dtype == DType::int8 ? (Wt.int8.cols + quant::kInt8Block - 1) / quant::kInt8Block : 0;
    for (int half = 0; half < 2; ++half)
      for (int64_t k = 0; k < kc; k += W) {
        F r[W];
        for (int i = 0; i < W; ++i) {
          const int j = half * W + i;
          if (Wt.dtype == DType::nf4) {
            int64_t b = ((nb + j) * Wt.in + kb + k) / quant::kNf4Block;
            if (b != cur[j]) cur[j] = b, amax[j] = absmax_of(b);
          } else if (Wt.dtype == DType::int8) {
            amax[j] = Wt.int8.scales[(nb + j) * bpr + (kb + k) / quant::kInt8Block];
          }
          r[i] = load_w(Wt, nb + j, kb + k, amax[j]);
        }
        V::transpose(r);
        for (int i = 0; i < W; ++i) V::store_a(Bp + (k + i) * NR + half * W, r[i]);
      }
    return true;
  }

  // No prepared activation rows by default (the AVX-512 kernel adds an NF4 fast path).
  static constexpr int64_t kPrepK = 1;
  static bool prep_rows(float*, const WeightRef&, const float*, int64_t, int, int64_t) { return false; }

  // Generation (M <= 2): out[m] = dot(A row m, W row n) over K, dequantizing W values at a time straight into
  // registers (no row buffer), alternating two accumulator pairs. False (the caller dequantizes a row buffer) for f32
  // weights or columns that are not 16-aligned.
  static bool dot_rows(float* out, const WeightRef& Wt, int64_t n, const float* A, int64_t lda, int mc, int64_t K,
                       const float*) {
    if (Wt.dtype == DType::f32 || (K & 15) != 0 || mc > 2) return false;
    if (Wt.dtype != DType::bf16 && Wt.dtype != DType::nf4 && Wt.dtype != DType::int8) return false;
    F s0 = V::zero(), s1 = V::zero(), t0 = V::zero(), t1 = V::zero();
    const float* A1 = mc == 2 ? A + lda : A;  // a single row is simply computed twice (cheap: W is the bottleneck)
    auto fma2 = [&](int64_t k, F w) {
      if ((k & W) != 0) {
        t0 = V::fma(V::load(A + k), w, t0);
        t1 = V::fma(V::load(A1 + k), w, t1);
      } else {
        s0 = V::fma(V::load(A + k), w, s0);
        s1 = V::fma(V::load(A1 + k), w, s1);
      }
    };
    if (Wt.dtype == DType::nf4) {
      // Block boundaries tracked incrementally (blocks run over the flattened weight).
      const Nf4Absmax absmax_of(Wt.nf4);
      const typename V::Nf4Lut lut = V::nf4_lut(quant::kNf4Codebook);
      const uint64_t i0 = static_cast<uint64_t>(n * Wt.in);
      const uint8_t* p = Wt.nf4.packed + (i0 >> 1);
      F amax = V::set1(absmax_of(static_cast<int64_t>(i0 >> 6)));
      for (int64_t k = 0; k < K; k += W) {
        uint64_t idx = i0 + static_cast<uint64_t>(k);
        if ((idx & 63) == 0) amax = V::set1(absmax_of(static_cast<int64_t>(idx >> 6)));
        fma2(k, V::mul(V::nf4(lut, p + (k >> 1)), amax));
      }
    } else if (Wt.dtype == DType::bf16) {
      const uint16_t* row = Wt.bf16 + n * Wt.in;
      for (int64_t k = 0; k < K; k += W) fma2(k, V::from_bf16(row + k));
    } else {
      const int64_t bpr = (Wt.int8.cols + quant::kInt8Block - 1) / quant::kInt8Block;
      const int8_t* row = Wt.int8.q + n * Wt.in;
      const float* sc = Wt.int8.scales + n * bpr;
      for (int64_t k = 0; k < K; k += W) fma2(k, V::mul(V::from_i8(row + k), V::set1(sc[k / quant::kInt8Block])));
    }
    out[0] = V::hsum(V::add(s0, t0));
    if (mc == 2) out[1] = V::hsum(V::add(s1, t1));
    return true;
  }

  // Row r, columns [c0, c1) of W as f32.
  static void dequant_row(float* dst, const WeightRef& Wt, int64_t r, int64_t c0, int64_t c1) {
    const int64_t n = c1 - c0;
    if (Wt.dtype == DType::bf16) {
      const uint16_t* s = Wt.bf16 + r * Wt.in + c0;
      int64_t k = 0;
      for (; k + W <= n; k += W) V::store(dst + k, V::from_bf16(s + k));
      if (k < n) weight_row(dst + k, Wt, r, c0 + k, c1);
      return;
    }
    if (Wt.dtype == DType::nf4) {
      const quant::Nf4View& q = Wt.nf4;
      const int64_t i0 = r * Wt.in + c0;
      if ((i0 & 15) != 0 || (n & 15) != 0) {
        quant::nf4_dequantize_range(dst, q, i0, i0 + n);
        return;
      }
      const typename V::Nf4Lut lut = V::nf4_lut(quant::kNf4Codebook);
      const Nf4Absmax absmax_of(q);
      int64_t cur = -1;
      F amax = V::zero();
      for (int64_t k = 0; k < n; k += W) {
        const int64_t idx = i0 + k, b = idx / quant::kNf4Block;
        if (b != cur) {
          cur = b;
          amax = V::set1(absmax_of(b));
        }
        V::store(dst + k, V::mul(V::nf4(lut, q.packed + (idx >> 1)), amax));
      }
      return;
    }
    if (Wt.dtype == DType::int8) {
      const quant::Int8View& q = Wt.int8;
      if ((c0 & (W - 1)) != 0 || (n & (W - 1)) != 0) {
        quant::int8_dequantize_row(dst, q, r, c0, c1);
        return;
      }
      const int8_t* s = q.q + r * Wt.in;
      const float* sc = q.scales + r * ((q.cols + quant::kInt8Block - 1) / quant::kInt8Block);  // no header inline calls in SIMD TUs
      for (int64_t k = 0; k < n; k += W) {
        const int64_t c = c0 + k;
        V::store(dst + k, V::mul(V::from_i8(s + c), V::set1(sc[c / quant::kInt8Block])));
      }
      return;
    }
    weight_row(dst, Wt, r, c0, c1);
  }
};

}  // namespace
}  // namespace lathe::cpu::detail
