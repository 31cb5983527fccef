// Causal GQA attention with segment masks and KV-cache offsets: one query row at a time with an O(S) score row,
// forward saves the log-sum-exp so backward recomputes probabilities instead of storing (T, S).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/attn_internal.h"
#include "cpu/ops.h"

namespace lathe::cpu {

namespace {

Status check_dims(const AttnDims& d) {
  if (d.T < 0 || d.S < 0 || d.NH <= 0 || d.NKV <= 0 || d.HD <= 0 || d.NH % d.NKV != 0)
    return Status::invalid("attention: bad dims (NH must be a multiple of NKV, all positive)");
  if (d.q_pos0 < 0 || d.q_pos0 + d.T > d.S)
    return Status::invalid("attention: queries reach past the last key (need q_pos0 + T <= S)");
  return Status::Ok();
}

void scores_scalar(float* sc, const float* q, const float* k, int64_t ks, int64_t n, int64_t HD, float scale) {
  for (int64_t s = 0; s < n; ++s) {
    float acc = 0.f;
    for (int64_t i = 0; i < HD; ++i) acc += q[i] * k[s * ks + i];
    sc[s] = acc * scale;
  }
}
void accum_scalar(float* o, const float* p, const float* v, int64_t ks, int64_t n, int64_t HD) {
  for (int64_t s = 0; s < n; ++s)
    for (int64_t i = 0; i < HD; ++i) o[i] += p[s] * v[s * ks + i];
}
void scatter_scalar(float* dst, const float* c, const float* x, int64_t ks, int64_t n, int64_t HD) {
  for (int64_t s = 0; s < n; ++s)
    for (int64_t i = 0; i < HD; ++i) dst[s * ks + i] += c[s] * x[i];
}

detail::AttnKernels pick_kernels(Isa want) {
  static const Isa best = best_isa();
  Isa isa = static_cast<int>(want) <= static_cast<int>(best) ? want : best;
  if (isa == Isa::avx512) return detail::attn_kernels_avx512();
  if (isa == Isa::avx2) return detail::attn_kernels_avx2();
  return detail::attn_kernels_scalar();
}

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Interleaved static split of query rows over threads (row i to thread i % n) balances the causal triangle.
template <class F>
void for_rows(const Exec& ex, int64_t n_rows, F&& body) {
  if (ex.pool && ex.pool->size() > 1) {
    ex.pool->run([&](int tid, int nth) {
      for (int64_t i = tid; i < n_rows; i += nth) body(i, tid);
    });
  } else {
    for (int64_t i = 0; i < n_rows; ++i) body(i, 0);
  }
}

}  // namespace

Status attention_forward(float* out, float* lse, const float* q, const float* k, const float* v, const int32_t* seg_q,
                         const int32_t* seg_k, const AttnDims& d, const Exec& ex) {
  LATHE_RETURN_IF_ERROR(check_dims(d));
  if ((seg_q == nullptr) != (seg_k == nullptr)) return Status::invalid("attention: pass both segment arrays or none");
  const int64_t HD = d.HD, group = d.NH / d.NKV, qs = d.NH * HD, ks = d.NKV * HD;
  const detail::AttnKernels K = pick_kernels(ex.isa);
  int nth = ex.pool ? ex.pool->size() : 1;
  std::vector<std::vector<float>> score(nth, std::vector<float>(std::max<int64_t>(d.S, 1)));
  for_rows(ex, d.T * d.NH, [&](int64_t row, int tid) {
    int64_t t = row / d.NH, h = row % d.NH, kvh = h / group;
    const float* qr = q + t * qs + h * HD;
    float* o = out + t * qs + h * HD;
    float* sc = score[tid].data();
    int64_t n = std::min<int64_t>(d.S - 1, d.q_pos0 + t) + 1;
    K.scores(sc, qr, k + kvh * HD, ks, n, HD, d.scale);
    float m = kNegInf;
    for (int64_t s = 0; s < n; ++s) {
      if (seg_q && seg_q[t] != seg_k[s]) sc[s] = kNegInf;
      m = std::max(m, sc[s]);
    }
    std::fill(o, o + HD, 0.f);
    if (m == kNegInf) {  // no visible key (segments only)
      if (lse) lse[h * d.T + t] = m;
      return;
    }
    float l = 0.f;
    for (int64_t s = 0; s < n; ++s) l += (sc[s] = std::exp(sc[s] - m));  // exp(-inf) = 0 for masked keys
    K.accum(o, sc, v + kvh * HD, ks, n, HD);
    float inv = 1.0f / l;
    for (int64_t i = 0; i < HD; ++i) o[i] *= inv;
    if (lse) lse[h * d.T + t] = m + std::log(l);
  });
  return Status::Ok();
}

Status attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* out, const float* lse,
                          const float* q, const float* k, const float* v, const int32_t* seg_q, const int32_t* seg_k,
                          const AttnDims& d, const Exec& ex) {
  LATHE_RETURN_IF_ERROR(check_dims(d));
  if (!lse) return Status::invalid("attention_backward: needs the forward's lse");
  if ((seg_q == nullptr) != (seg_k == nullptr)) return Status::invalid("attention: pass both segment arrays or none");
  const int64_t HD = d.HD, group = d.NH / d.NKV, qs = d.NH * HD, ks = d.NKV * HD;
  const detail::AttnKernels K = pick_kernels(ex.isa);
  int nth = ex.pool ? ex.pool->size() : 1;
  // Thread 0 accumulates into dk/dv directly; the others into private buffers, summed at the end (deterministic order).
  std::fill(dk, dk + d.S * ks, 0.f);
  std::fill(dv, dv + d.S * ks, 0.f);
  std::vector<std::vector<float>> pdk(nth > 1 ? nth - 1 : 0), pdv(nth > 1 ? nth - 1 : 0);
  for (int i = 0; i + 1 < nth; ++i) {
    pdk[i].assign(d.S * ks, 0.f);
    pdv[i].assign(d.S * ks, 0.f);
  }
  std::vector<std::vector<float>> prow(nth, std::vector<float>(std::max<int64_t>(d.S, 1)));
  std::vector<std::vector<float>> dsrow(nth, std::vector<float>(std::max<int64_t>(d.S, 1)));
  for_rows(ex, d.T * d.NH, [&](int64_t row, int tid) {
    int64_t t = row / d.NH, h = row % d.NH, kvh = h / group;
    float* DK = tid == 0 ? dk : pdk[tid - 1].data();
    float* DV = tid == 0 ? dv : pdv[tid - 1].data();
    const float* qr = q + t * qs + h * HD;
    const float* dor = dout + t * qs + h * HD;
    float* dqr = dq + t * qs + h * HD;
    std::fill(dqr, dqr + HD, 0.f);
    float L = lse[h * d.T + t];
    if (L == kNegInf) return;
    float D = 0.f;
    for (int64_t i = 0; i < HD; ++i) D += dor[i] * out[t * qs + h * HD + i];
    int64_t n = std::min<int64_t>(d.S - 1, d.q_pos0 + t) + 1;
    float* p = prow[tid].data();
    float* ds = dsrow[tid].data();
    K.scores(p, qr, k + kvh * HD, ks, n, HD, d.scale);
    K.scores(ds, dor, v + kvh * HD, ks, n, HD, 1.0f);  // dp = dout . v_s
    for (int64_t s = 0; s < n; ++s) {
      bool vis = !seg_q || seg_q[t] == seg_k[s];
      p[s] = vis ? std::exp(p[s] - L) : 0.f;
      ds[s] = p[s] * (ds[s] - D) * d.scale;
    }
    K.accum(dqr, ds, k + kvh * HD, ks, n, HD);
    K.scatter(DK + kvh * HD, ds, qr, ks, n, HD);
    K.scatter(DV + kvh * HD, p, dor, ks, n, HD);
  });
  for (int i = 0; i + 1 < nth; ++i)
    for (int64_t j = 0; j < d.S * ks; ++j) {
      dk[j] += pdk[i][j];
      dv[j] += pdv[i][j];
    }
  return Status::Ok();
}

namespace detail {
AttnKernels attn_kernels_scalar() { return AttnKernels{scores_scalar, accum_scalar, scatter_scalar}; }
}  // namespace detail

}  // namespace lathe::cpu
