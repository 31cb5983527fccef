// Tiled GEMM drivers shared by the SIMD translation units: each includes this with its own Kernel (micro-kernel + row
// dequantizer), so the loops compile once per ISA. Everything here has internal linkage (anonymous namespace): a copy
// built with AVX-512 flags can never be picked by the linker for a CPU without it.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "cpu/gemm_internal.h"

#if defined(_MSC_VER)
#define LATHE_NOINLINE __declspec(noinline)
#else
#define LATHE_NOINLINE __attribute__((noinline))
#endif

namespace lathe::cpu::detail {
namespace {

constexpr int64_t kKC = 256;  // reduction block: a packed B panel is KC x NR floats (32 KiB at NR=32), L1-resident

// Calls K::template micro<mr> for a runtime mr in [1, K::MR].
template <class K, int MR_ = K::MR>
inline void micro_dispatch(int mr, int64_t kc, const float* A, int64_t lda, const float* Bp, float* C, int64_t ldc, int nr,
                           float alpha, bool load_c) {
  if constexpr (MR_ >= 1) {
    if (mr == MR_) {
      K::template micro<MR_>(kc, A, lda, Bp, C, ldc, nr, alpha, load_c);
      return;
    }
    micro_dispatch<K, MR_ - 1>(mr, kc, A, lda, Bp, C, ldc, nr, alpha, load_c);
  }
}

// Small M (generation: one token): one W row at a time dotted with each A row, dequantized in registers when the
// ISA's dot_rows handles the type (with rows prepared once per task by prep_rows), else through a row buffer.
// Not inlined into gemm_nt_tiles, so the two stack frames (48 KiB here, 33 KiB there) never add up.
template <class K>
LATHE_NOINLINE void gemv_nt(const GemmTask& t) {
  alignas(64) float rowbuf[4096];
  alignas(64) float prep[2 * K::kPrepK];
  const int mc = static_cast<int>(t.m1 - t.m0);
  const bool prepped = K::prep_rows(prep, *t.W, t.A + t.m0 * t.lda, t.lda, mc, t.K);
  for (int64_t n = t.n0; n < t.n1; ++n) {
    float d[2];
    if (K::dot_rows(d, *t.W, n, t.A + t.m0 * t.lda, t.lda, mc, t.K, prepped ? prep : nullptr)) {
      for (int64_t m = t.m0; m < t.m1; ++m) {
        float* c = t.C + m * t.ldc + n;
        *c = t.accumulate ? *c + t.alpha * d[m - t.m0] : t.alpha * d[m - t.m0];
      }
      continue;
    }
    for (int64_t m = t.m0; m < t.m1; ++m) t.C[m * t.ldc + n] = t.accumulate ? t.C[m * t.ldc + n] : 0.f;
    for (int64_t k0 = 0; k0 < t.K; k0 += 4096) {
      int64_t kc = std::min<int64_t>(4096, t.K - k0);
      const float* row = rowbuf;
      if (t.W->dtype == DType::f32) row = t.W->f32 + n * (t.W->ld ? t.W->ld : t.W->in) + k0;
      else K::dequant_row(rowbuf, *t.W, n, k0, k0 + kc);
      for (int64_t m = t.m0; m < t.m1; ++m) t.C[m * t.ldc + n] += t.alpha * K::dot(t.A + m * t.lda + k0, row, kc);
    }
  }
}

// C[m0:m1, n0:n1] (=|+=) alpha * A · W^T, W (N, K): pack NR rows of W transposed into Bp[k][j], run the micro-kernel
// down all M rows, so each dequantized panel is reused M/MR times and never exists as a full f32 copy.
template <class K>
void gemm_nt_tiles(const GemmTask& t) {
  if (t.m1 - t.m0 <= 2) {
    gemv_nt<K>(t);
    return;
  }
  constexpr int NR = K::NR;
  alignas(64) float Bp[kKC * NR];
  alignas(64) float rowbuf[kKC];
  for (int64_t nb = t.n0; nb < t.n1; nb += NR) {
    int nr = static_cast<int>(std::min<int64_t>(NR, t.n1 - nb));
    for (int64_t kb = 0; kb < t.K; kb += kKC) {
      int64_t kc = std::min(kKC, t.K - kb);
      // The ISA's direct panel packer (dequantize + register transpose) when it handles this panel, else row by row.
      if (!K::pack_nt_panel(Bp, *t.W, nb, nr, kb, kc)) {
        for (int j = 0; j < NR; ++j) {
          if (j >= nr) {
            for (int64_t k = 0; k < kc; ++k) Bp[k * NR + j] = 0.f;
            continue;
          }
          const float* row = rowbuf;
          if (t.W->dtype == DType::f32) row = t.W->f32 + (nb + j) * (t.W->ld ? t.W->ld : t.W->in) + kb;
          else K::dequant_row(rowbuf, *t.W, nb + j, kb, kb + kc);
          for (int64_t k = 0; k < kc; ++k) Bp[k * NR + j] = row[k];
        }
      }
      bool load_c = t.accumulate || kb > 0;
      float alpha = t.alpha;
      for (int64_t m = t.m0; m < t.m1; m += K::MR) {
        int mr = static_cast<int>(std::min<int64_t>(K::MR, t.m1 - m));
        micro_dispatch<K>(mr, kc, t.A + m * t.lda + kb, t.lda, Bp, t.C + m * t.ldc + nb, t.ldc, nr, alpha, load_c);
      }
    }
  }
}

// C[m0:m1, n0:n1] (=|+=) alpha * A · W, W (K, N): the panel rows are W row segments, dequantized straight into Bp.
template <class K>
void gemm_nn_tiles(const GemmTask& t) {
  constexpr int NR = K::NR;
  alignas(64) float Bp[kKC * NR];
  for (int64_t nb = t.n0; nb < t.n1; nb += NR) {
    int nr = static_cast<int>(std::min<int64_t>(NR, t.n1 - nb));
    for (int64_t kb = 0; kb < t.K; kb += kKC) {
      int64_t kc = std::min(kKC, t.K - kb);
      for (int64_t k = 0; k < kc; ++k) {
        float* dst = Bp + k * NR;
        if (t.W->dtype == DType::f32) std::memcpy(dst, t.W->f32 + (kb + k) * (t.W->ld ? t.W->ld : t.W->in) + nb, nr * sizeof(float));
        else K::dequant_row(dst, *t.W, kb + k, nb, nb + nr);
        for (int j = nr; j < NR; ++j) dst[j] = 0.f;
      }
      bool load_c = t.accumulate || kb > 0;
      for (int64_t m = t.m0; m < t.m1; m += K::MR) {
        int mr = static_cast<int>(std::min<int64_t>(K::MR, t.m1 - m));
        micro_dispatch<K>(mr, kc, t.A + m * t.lda + kb, t.lda, Bp, t.C + m * t.ldc + nb, t.ldc, nr, t.alpha, load_c);
      }
    }
  }
}

// C (M, N) += alpha * A^T B on columns [n0, n1): blocks of 256 columns keep all M rows of C in L1 while B streams once.
// Plain loops: the compiler vectorises them with this translation unit's ISA flags.
inline void gemm_tn_blocked(float* C, const float* A, const float* B, int64_t K, int64_t M, int64_t N, int64_t n0,
                            int64_t n1, float alpha) {
  for (int64_t nb = n0; nb < n1; nb += 256) {
    int64_t ne = std::min<int64_t>(n1, nb + 256);
    for (int64_t k = 0; k < K; ++k) {
      const float* b = B + k * N;
      for (int64_t m = 0; m < M; ++m) {
        float a = alpha * A[k * M + m];
        float* c = C + m * N;
        for (int64_t n = nb; n < ne; ++n) c[n] += a * b[n];
      }
    }
  }
}

}  // namespace
}  // namespace lathe::cpu::detail
