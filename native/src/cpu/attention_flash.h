// FlashAttention-style causal GQA attention, templated on a vector-traits type (V512 / V256) and included by one
// translation unit per ISA. A work unit is one kv head x a block of query rows of every query head in its group
// ("stacked rows"), so each K/V tile is loaded once for the whole group. Per key tile of kFlashBK keys:
//   scores^T (keys x rows) = K_tile · Q^T   (Q pre-scaled by scale*log2 e and packed transposed once per unit)
//   online softmax down the key axis, vectorised over rows (exp2), O = alpha*O + P · V_tile.
// Memory is O(rows * HD) per thread; key tiles past the causal limit are never touched; only tiles that cross the
// diagonal (or carry segment ids) are masked. Backward recomputes P per tile from the saved log-sum-exp.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "cpu/attention_internal.h"

namespace lathe::cpu::detail {
namespace {

constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2 = 0.693147180559945309f;

// Plain loops, not std::fill/std::copy: a std template instantiated in this ISA's translation unit could be the copy
// the linker keeps for the whole program (ODR merge), and then run on a CPU without the ISA.
inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
inline void fill_n(float* p, int64_t n, float v) {
  for (int64_t i = 0; i < n; ++i) p[i] = v;
}

// ---------------------------------------------------------------------------------------------------------------
// Micro-kernels

// C (MRK x NV*W) = A (MRK rows of stride lda, length kd) · Bt (kd x NV*W, row stride ldb). Keys are broadcast,
// rows are vector lanes.
template <class V, int MRK, int NV>
inline void st_micro(int64_t kd, const float* A, int64_t lda, const float* Bt, int64_t ldb, float* C, int64_t ldc) {
  typename V::F acc[MRK][NV];
  for (int i = 0; i < MRK; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = V::zero();
  for (int64_t d = 0; d < kd; ++d) {
    typename V::F b[NV];
    for (int v = 0; v < NV; ++v) b[v] = V::load(Bt + d * ldb + v * V::W);
    for (int i = 0; i < MRK; ++i) {
      typename V::F a = V::set1(A[i * lda + d]);
      for (int v = 0; v < NV; ++v) acc[i][v] = V::fma(a, b[v], acc[i][v]);
    }
  }
  for (int i = 0; i < MRK; ++i)
    for (int v = 0; v < NV; ++v) V::store(C + i * ldc + v * V::W, acc[i][v]);
}

template <class V, int NV, int MRK = V::kStMRK>
inline void st_dispatch_k(int mk, int64_t kd, const float* A, int64_t lda, const float* Bt, int64_t ldb, float* C,
                          int64_t ldc) {
  if constexpr (MRK >= 1) {
    if (mk == MRK) return st_micro<V, MRK, NV>(kd, A, lda, Bt, ldb, C, ldc);
    st_dispatch_k<V, NV, MRK - 1>(mk, kd, A, lda, Bt, ldb, C, ldc);
  }
}
template <class V, int NV = V::kStNV>
inline void st_dispatch(int nv, int mk, int64_t kd, const float* A, int64_t lda, const float* Bt, int64_t ldb,
                        float* C, int64_t ldc) {
  if constexpr (NV >= 1) {
    if (nv == NV) return st_dispatch_k<V, NV>(mk, kd, A, lda, Bt, ldb, C, ldc);
    st_dispatch<V, NV - 1>(nv, mk, kd, A, lda, Bt, ldb, C, ldc);
  }
}

// C (kt x Mp, row stride Mp) = A (kt rows, stride lda) · Bt (kd x Mp). Mp is a multiple of V::W.
template <class V>
void st_tile(int64_t kt, int64_t Mp, int64_t kd, const float* A, int64_t lda, const float* Bt, float* C) {
  constexpr int64_t step = V::kStNV * V::W;
  for (int64_t r0 = 0; r0 < Mp; r0 += step) {
    int nv = static_cast<int>(imin(step, Mp - r0) / V::W);
    for (int64_t j = 0; j < kt; j += V::kStMRK) {
      int mk = static_cast<int>(imin(V::kStMRK, kt - j));
      st_dispatch<V>(nv, mk, kd, A + j * lda, lda, Bt + r0, Mp, C + j * Mp + r0, Mp);
    }
  }
}

// C (MR rows of stride c_s, NV*W columns, the last vector `last` lanes wide) += sum_y A(x, y) * B row y, where
// A(x, y) = A[x*a_xs + y*a_ys] is broadcast and B row y starts at B + y*b_s.
template <class V, int MR, int NV, bool Full>
inline void acc_micro(int64_t ny, const float* A, int64_t a_xs, int64_t a_ys, const float* B, int64_t b_s, float* C,
                      int64_t c_s, int last) {
  typename V::F acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v)
      acc[i][v] = (Full || v + 1 < NV) ? V::load(C + i * c_s + v * V::W) : V::load_n(C + i * c_s + v * V::W, last);
  for (int64_t y = 0; y < ny; ++y) {
    typename V::F b[NV];
    const float* br = B + y * b_s;
    for (int v = 0; v < NV; ++v) b[v] = (Full || v + 1 < NV) ? V::load(br + v * V::W) : V::load_n(br + v * V::W, last);
    const float* ar = A + y * a_ys;
    for (int i = 0; i < MR; ++i) {
      typename V::F a = V::set1(ar[i * a_xs]);
      for (int v = 0; v < NV; ++v) acc[i][v] = V::fma(a, b[v], acc[i][v]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) {
      if (Full || v + 1 < NV) V::store(C + i * c_s + v * V::W, acc[i][v]);
      else V::store_n(C + i * c_s + v * V::W, acc[i][v], last);
    }
}

template <class V, int NV, bool Full, int MR = V::kAccMR>
inline void acc_dispatch_r(int mr, int64_t ny, const float* A, int64_t a_xs, int64_t a_ys, const float* B, int64_t b_s,
                           float* C, int64_t c_s, int last) {
  if constexpr (MR >= 1) {
    if (mr == MR) return acc_micro<V, MR, NV, Full>(ny, A, a_xs, a_ys, B, b_s, C, c_s, last);
    acc_dispatch_r<V, NV, Full, MR - 1>(mr, ny, A, a_xs, a_ys, B, b_s, C, c_s, last);
  }
}
template <class V, int NV = V::kAccNV>
inline void acc_dispatch(int nv, bool full, int mr, int64_t ny, const float* A, int64_t a_xs, int64_t a_ys,
                         const float* B, int64_t b_s, float* C, int64_t c_s, int last) {
  if constexpr (NV >= 1) {
    if (nv == NV) {
      if (full) return acc_dispatch_r<V, NV, true>(mr, ny, A, a_xs, a_ys, B, b_s, C, c_s, last);
      return acc_dispatch_r<V, NV, false>(mr, ny, A, a_xs, a_ys, B, b_s, C, c_s, last);
    }
    acc_dispatch<V, NV - 1>(nv, full, mr, ny, A, a_xs, a_ys, B, b_s, C, c_s, last);
  }
}

// C (nx rows of stride c_s, ncols) += A (nx x ny, strides a_xs/a_ys) · B (ny rows of stride b_s, ncols).
template <class V>
void acc_tile(int64_t nx, int64_t ny, int64_t ncols, const float* A, int64_t a_xs, int64_t a_ys, const float* B,
              int64_t b_s, float* C, int64_t c_s) {
  constexpr int64_t step = V::kAccNV * V::W;
  for (int64_t c0 = 0; c0 < ncols; c0 += step) {
    int64_t cols = imin(step, ncols - c0);
    int nv = static_cast<int>((cols + V::W - 1) / V::W);
    int last = static_cast<int>(cols - (nv - 1) * V::W);
    for (int64_t x = 0; x < nx; x += V::kAccMR) {
      int mr = static_cast<int>(imin(V::kAccMR, nx - x));
      acc_dispatch<V>(nv, last == V::W, mr, ny, A + x * a_xs, a_xs, a_ys, B + c0, b_s, C + x * c_s + c0, c_s, last);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Work units

// Stacked row r of a unit is query head g*group + r / mq at query row t0 + r % mq; rows [group*mq, Mp) are padding.
struct UnitLayout {
  int64_t group, mq, rows, Mp, HD, qs, ks, kvh;
  int64_t head(int64_t r) const { return kvh * group + r / mq; }
  int64_t trow(int64_t t0, int64_t r) const { return t0 + r % mq; }
};

inline UnitLayout layout(const AttnDims& d, int64_t g, int64_t mq, int W) {
  UnitLayout L;
  L.group = d.NH / d.NKV;
  L.mq = mq;
  L.rows = L.group * mq;
  L.Mp = (L.rows + W - 1) / W * W;
  L.HD = d.HD;
  L.qs = d.NH * d.HD;
  L.ks = d.NKV * d.HD;
  L.kvh = g;
  return L;
}

// Packs src rows of the unit transposed into dst (HD x Mp), times c; padding columns are 0.
inline void pack_transposed(float* dst, const float* src, const UnitLayout& L, int64_t t0, float c) {
  for (int64_t r = 0; r < L.Mp; ++r) {
    if (r >= L.rows) {
      for (int64_t d = 0; d < L.HD; ++d) dst[d * L.Mp + r] = 0.f;
      continue;
    }
    const float* s = src + L.trow(t0, r) * L.qs + L.head(r) * L.HD;
    for (int64_t d = 0; d < L.HD; ++d) dst[d * L.Mp + r] = s[d] * c;
  }
}

// Packs src rows of the unit into dst (rows x HD, contiguous).
inline void pack_rows(float* dst, const float* src, const UnitLayout& L, int64_t t0) {
  for (int64_t r = 0; r < L.rows; ++r) {
    const float* s = src + L.trow(t0, r) * L.qs + L.head(r) * L.HD;
    for (int64_t c = 0; c < L.HD; ++c) dst[r * L.HD + c] = s[c];
  }
}

// Query positions (padding rows: -1, sees nothing) and segment ids of the stacked rows.
inline void unit_positions(int32_t* qpos, int32_t* segq, const FlashArgs& a, const UnitLayout& L, int64_t t0) {
  for (int64_t r = 0; r < L.Mp; ++r) {
    bool real = r < L.rows;
    int64_t t = L.trow(t0, r);
    qpos[r] = real ? static_cast<int32_t>(a.d.q_pos0 + t) : -1;
    segq[r] = real && a.seg_q ? a.seg_q[t] : 0;
  }
}

// Masks (in place) the scores St (kt x Mp) of key tile j0: causal, and segments when given.
template <class V>
inline void mask_tile(float* St, int64_t kt, int64_t Mp, int64_t j0, bool causal, const int32_t* qpos,
                      const int32_t* segq, const int32_t* seg_k) {
  for (int64_t j = 0; j < kt; ++j) {
    float* row = St + j * Mp;
    int32_t jj = static_cast<int32_t>(j0 + j);
    for (int64_t r = 0; r < Mp; r += V::W) {
      typename V::F s = V::load(row + r);
      if (causal) s = V::mask_causal(s, qpos + r, jj);
      if (seg_k) s = V::mask_segment(s, segq + r, seg_k[j0 + j]);
      V::store(row + r, s);
    }
  }
}

template <class V>
void flash_fwd_unit(const FlashArgs& a, int64_t g, int64_t t0, int64_t mq, float* ws, int32_t* wsi) {
  using F = typename V::F;
  const AttnDims& d = a.d;
  const UnitLayout L = layout(d, g, mq, V::W);
  const int64_t Mp = L.Mp, HD = L.HD, BK = kFlashBK;
  float* Qt = ws;                 // (HD, Mp)
  float* O = Qt + HD * Mp;        // (rows, HD)
  float* St = O + Mp * HD;        // (BK, Mp)
  float* m = St + BK * Mp;        // (Mp) running max (log2 domain)
  float* l = m + Mp;              // (Mp) running sum
  float* alpha = l + Mp;          // (Mp) rescale of this tile
  int32_t* qpos = wsi;
  int32_t* segq = wsi + Mp;

  pack_transposed(Qt, a.q, L, t0, d.scale * kLog2e);
  unit_positions(qpos, segq, a, L, t0);
  fill_n(O, L.rows * HD, 0.f);
  fill_n(m, Mp, -std::numeric_limits<float>::infinity());
  fill_n(l, Mp, 0.f);
  const int64_t kmin = d.q_pos0 + t0, kmax = d.q_pos0 + t0 + mq - 1;  // positions of the unit's first/last query
  const int64_t n = imin(d.S, kmax + 1);
  const float* kh = a.k + L.kvh * HD;
  const float* vh = a.v + L.kvh * HD;

  for (int64_t j0 = 0; j0 < n; j0 += BK) {
    const int64_t kt = imin(BK, n - j0);
    st_tile<V>(kt, Mp, HD, kh + j0 * L.ks, L.ks, Qt, St);
    bool causal = j0 + kt - 1 > kmin;
    if (causal || a.seg_k) mask_tile<V>(St, kt, Mp, j0, causal, qpos, segq, a.seg_k);
    for (int64_t r = 0; r < Mp; r += V::W) {
      F mx[4] = {V::neg_inf(), V::neg_inf(), V::neg_inf(), V::neg_inf()};
      int64_t j = 0;
      for (; j + 4 <= kt; j += 4)
        for (int u = 0; u < 4; ++u) mx[u] = V::max(mx[u], V::load(St + (j + u) * Mp + r));
      for (; j < kt; ++j) mx[0] = V::max(mx[0], V::load(St + j * Mp + r));
      F mo = V::load(m + r);
      F mn = V::max(mo, V::max(V::max(mx[0], mx[1]), V::max(mx[2], mx[3])));
      F mu = V::finite_or_zero(mn);
      F al = V::exp2(V::sub(mo, mu));
      F s0 = V::zero(), s1 = V::zero();
      for (j = 0; j + 2 <= kt; j += 2) {
        F p0 = V::exp2(V::sub(V::load(St + j * Mp + r), mu));
        F p1 = V::exp2(V::sub(V::load(St + (j + 1) * Mp + r), mu));
        V::store(St + j * Mp + r, p0);
        V::store(St + (j + 1) * Mp + r, p1);
        s0 = V::add(s0, p0);
        s1 = V::add(s1, p1);
      }
      if (j < kt) {
        F p0 = V::exp2(V::sub(V::load(St + j * Mp + r), mu));
        V::store(St + j * Mp + r, p0);
        s0 = V::add(s0, p0);
      }
      V::store(l + r, V::fma(V::load(l + r), al, V::add(s0, s1)));
      V::store(m + r, mn);
      V::store(alpha + r, al);
    }
    if (j0 > 0) {
      for (int64_t r = 0; r < L.rows; ++r) {
        float s = alpha[r];
        if (s == 1.f) continue;
        float* o = O + r * HD;
        for (int64_t c = 0; c < HD; ++c) o[c] *= s;
      }
    }
    acc_tile<V>(L.rows, kt, HD, St, 1, Mp, vh + j0 * L.ks, L.ks, O, HD);
  }
  for (int64_t r = 0; r < L.rows; ++r) {
    int64_t t = L.trow(t0, r), h = L.head(r);
    float inv = l[r] > 0.f ? 1.f / l[r] : 0.f;
    float* dst = a.out + t * L.qs + h * HD;
    const float* o = O + r * HD;
    for (int64_t c = 0; c < HD; ++c) dst[c] = o[c] * inv;
    if (a.lse) a.lse[h * d.T + t] = l[r] > 0.f ? (m[r] + std::log2(l[r])) * kLn2 : -std::numeric_limits<float>::infinity();
  }
}

template <class V>
void flash_bwd_unit(const FlashArgs& a, float* dk, float* dv, int64_t g, int64_t t0, int64_t mq, float* ws,
                    int32_t* wsi) {
  using F = typename V::F;
  const AttnDims& d = a.d;
  const UnitLayout L = layout(d, g, mq, V::W);
  const int64_t Mp = L.Mp, HD = L.HD, BK = kFlashBK;
  float* Qt = ws;              // (HD, Mp) scaled by scale*log2 e
  float* Qs = Qt + HD * Mp;    // (rows, HD)
  float* dOt = Qs + Mp * HD;   // (HD, Mp)
  float* dOs = dOt + HD * Mp;  // (rows, HD)
  float* dQ = dOs + Mp * HD;   // (rows, HD)
  float* St = dQ + Mp * HD;    // (BK, Mp): scores, then P
  float* dPt = St + BK * Mp;   // (BK, Mp): dP, then dS
  float* lse2 = dPt + BK * Mp; // (Mp)
  float* Dr = lse2 + Mp;       // (Mp) rowsum(dO * O)
  int32_t* qpos = wsi;
  int32_t* segq = wsi + Mp;

  pack_transposed(Qt, a.q, L, t0, d.scale * kLog2e);
  pack_rows(Qs, a.q, L, t0);
  pack_transposed(dOt, a.dout, L, t0, 1.f);
  pack_rows(dOs, a.dout, L, t0);
  unit_positions(qpos, segq, a, L, t0);
  fill_n(dQ, L.rows * HD, 0.f);
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t r = 0; r < Mp; ++r) {
    if (r >= L.rows) {
      lse2[r] = inf;  // padding: P = 0
      Dr[r] = 0.f;
      continue;
    }
    int64_t t = L.trow(t0, r), h = L.head(r);
    float Lr = a.fwd_lse[h * d.T + t];
    lse2[r] = Lr == -inf ? inf : Lr * kLog2e;  // a row that saw no key has P = 0
    const float* o = a.fwd_out + t * L.qs + h * HD;
    const float* g_ = dOs + r * HD;
    float s = 0.f;
    for (int64_t c = 0; c < HD; ++c) s += g_[c] * o[c];
    Dr[r] = s;
  }
  const int64_t kmin = d.q_pos0 + t0, kmax = d.q_pos0 + t0 + mq - 1;
  const int64_t n = imin(d.S, kmax + 1);
  const float* kh = a.k + L.kvh * HD;
  const float* vh = a.v + L.kvh * HD;
  const F vscale = V::set1(d.scale);

  for (int64_t j0 = 0; j0 < n; j0 += BK) {
    const int64_t kt = imin(BK, n - j0);
    st_tile<V>(kt, Mp, HD, kh + j0 * L.ks, L.ks, Qt, St);   // scores (log2 domain)
    st_tile<V>(kt, Mp, HD, vh + j0 * L.ks, L.ks, dOt, dPt);  // dP^T = V · dO^T
    bool causal = j0 + kt - 1 > kmin;
    if (causal || a.seg_k) mask_tile<V>(St, kt, Mp, j0, causal, qpos, segq, a.seg_k);
    for (int64_t r = 0; r < Mp; r += V::W) {
      F Lr = V::load(lse2 + r), Dv = V::load(Dr + r);
      for (int64_t j = 0; j < kt; ++j) {
        F p = V::exp2(V::sub(V::load(St + j * Mp + r), Lr));
        F ds = V::mul(V::mul(p, V::sub(V::load(dPt + j * Mp + r), Dv)), vscale);
        V::store(St + j * Mp + r, p);
        V::store(dPt + j * Mp + r, ds);
      }
    }
    float* dvt = dv + j0 * L.ks + L.kvh * HD;
    float* dkt = dk + j0 * L.ks + L.kvh * HD;
    acc_tile<V>(kt, L.rows, HD, St, Mp, 1, dOs, HD, dvt, L.ks);                   // dV += P^T dO
    acc_tile<V>(kt, L.rows, HD, dPt, Mp, 1, Qs, HD, dkt, L.ks);                   // dK += dS^T Q
    acc_tile<V>(L.rows, kt, HD, dPt, 1, Mp, kh + j0 * L.ks, L.ks, dQ, HD);        // dQ += dS K
  }
  for (int64_t r = 0; r < L.rows; ++r) {
    float* dst = a.dq + L.trow(t0, r) * L.qs + L.head(r) * HD;
    for (int64_t c = 0; c < HD; ++c) dst[c] = dQ[r * HD + c];
  }
}

}  // namespace
}  // namespace lathe::cpu::detail
