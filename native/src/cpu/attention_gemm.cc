// The previous attention implementation, kept as the scalar reference path (Exec{.isa = Isa::scalar}) and as the
// benchmark baseline. Work unit: one head x a block of 64 query rows; its scores (64, S) come from the GEMM
// micro-kernels (K/V head slices act as strided f32 weights), so memory is O(S) per thread, never (T, S). The forward
// saves the log-sum-exp; backward recomputes probabilities from it. Callers check dims (attention.cc).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/attention_internal.h"

namespace lathe::cpu::detail {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Interleaved static split of work units over threads (unit i to thread i % n) balances the causal triangle.
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

constexpr int64_t kMQ = 64;  // query rows per work unit

// Masks, exponentiates and normalises one block of scores in place: row i of P (mq, n) becomes softmax probabilities
// (masked keys 0). Returns per-row 1/l via inv_l and writes lse (or -inf when a row sees no key).
void softmax_block(float* P, float* inv_l, float* lse, int64_t mq, int64_t n, int64_t t0, int64_t h, const AttnDims& d,
                   const int32_t* seg_q, const int32_t* seg_k) {
  for (int64_t i = 0; i < mq; ++i) {
    int64_t t = t0 + i, lim = std::min<int64_t>(n, d.q_pos0 + t + 1);
    float* row = P + i * n;
    float m = kNegInf;
    for (int64_t s = 0; s < lim; ++s) {
      if (seg_q && seg_q[t] != seg_k[s]) row[s] = kNegInf;
      m = std::max(m, row[s]);
    }
    if (m == kNegInf) {
      std::fill(row, row + n, 0.f);
      inv_l[i] = 0.f;
      if (lse) lse[h * d.T + t] = kNegInf;
      continue;
    }
    float l = 0.f;
    for (int64_t s = 0; s < lim; ++s) l += (row[s] = std::exp(row[s] - m));
    std::fill(row + lim, row + n, 0.f);
    inv_l[i] = 1.0f / l;
    if (lse) lse[h * d.T + t] = m + std::log(l);
  }
}

}  // namespace

Status attention_forward_gemm(float* out, float* lse, const float* q, const float* k, const float* v,
                              const int32_t* seg_q, const int32_t* seg_k, const AttnDims& d, const Exec& ex) {
  const int64_t HD = d.HD, group = d.NH / d.NKV, qs = d.NH * HD, ks = d.NKV * HD;
  const int64_t nqb = (d.T + kMQ - 1) / kMQ;
  int nth = ex.pool ? ex.pool->size() : 1;
  std::vector<std::vector<float>> score(nth, std::vector<float>(kMQ * std::max<int64_t>(d.S, 1)));
  std::vector<Status> errs(nth);
  const Exec one{nullptr, ex.isa};  // GEMMs inside a work unit run on its thread
  for_rows(ex, d.NH * nqb, [&](int64_t task, int tid) {
    int64_t h = task % d.NH, t0 = (task / d.NH) * kMQ, mq = std::min(kMQ, d.T - t0), kvh = h / group;
    int64_t n = std::min<int64_t>(d.S, d.q_pos0 + t0 + mq);
    float* P = score[tid].data();
    float inv_l[kMQ];
    Status st = gemm_nt(P, n, q + t0 * qs + h * HD, qs, WeightRef::from_f32(k + kvh * HD, n, HD, ks), mq, d.scale, false, one);
    softmax_block(P, inv_l, lse, mq, n, t0, h, d, seg_q, seg_k);
    if (st.ok()) st = gemm_nn(out + t0 * qs + h * HD, qs, P, n, WeightRef::from_f32(v + kvh * HD, n, HD, ks), mq, 1.f, false, one);
    for (int64_t i = 0; i < mq; ++i)
      for (int64_t j = 0; j < HD; ++j) out[(t0 + i) * qs + h * HD + j] *= inv_l[i];
    if (!st.ok()) errs[tid] = st;
  });
  for (auto& e : errs) LATHE_RETURN_IF_ERROR(e);
  return Status::Ok();
}

Status attention_backward_gemm(float* dq, float* dk, float* dv, const float* dout, const float* out, const float* lse,
                               const float* q, const float* k, const float* v, const int32_t* seg_q,
                               const int32_t* seg_k, const AttnDims& d, const Exec& ex) {
  const int64_t HD = d.HD, group = d.NH / d.NKV, qs = d.NH * HD, ks = d.NKV * HD;
  const int64_t nqb = (d.T + kMQ - 1) / kMQ, S1 = std::max<int64_t>(d.S, 1);
  int nth = ex.pool ? ex.pool->size() : 1;
  // Thread 0 accumulates into dk/dv directly; the others into private buffers, summed at the end (deterministic order).
  std::fill(dk, dk + d.S * ks, 0.f);
  std::fill(dv, dv + d.S * ks, 0.f);
  std::vector<std::vector<float>> pdk(nth > 1 ? nth - 1 : 0), pdv(nth > 1 ? nth - 1 : 0);
  for (int i = 0; i + 1 < nth; ++i) {
    pdk[i].assign(d.S * ks, 0.f);
    pdv[i].assign(d.S * ks, 0.f);
  }
  std::vector<std::vector<float>> bp(nth, std::vector<float>(kMQ * S1)), bd(nth, std::vector<float>(kMQ * S1)),
      bt(nth, std::vector<float>(kMQ * S1));
  std::vector<Status> errs(nth);
  const Exec one{nullptr, ex.isa};
  for_rows(ex, d.NH * nqb, [&](int64_t task, int tid) {
    int64_t h = task % d.NH, t0 = (task / d.NH) * kMQ, mq = std::min(kMQ, d.T - t0), kvh = h / group;
    int64_t n = std::min<int64_t>(d.S, d.q_pos0 + t0 + mq);
    float* DK = tid == 0 ? dk : pdk[tid - 1].data();
    float* DV = tid == 0 ? dv : pdv[tid - 1].data();
    float *P = bp[tid].data(), *dS = bd[tid].data(), *Tr = bt[tid].data();
    const WeightRef Kh = WeightRef::from_f32(k + kvh * HD, n, HD, ks), Vh = WeightRef::from_f32(v + kvh * HD, n, HD, ks);
    const float* Qb = q + t0 * qs + h * HD;
    const float* dOb = dout + t0 * qs + h * HD;
    Status st = gemm_nt(P, n, Qb, qs, Kh, mq, d.scale, false, one);  // recompute scores
    if (st.ok()) st = gemm_nt(dS, n, dOb, qs, Vh, mq, 1.f, false, one);  // dP = dO · V^T
    if (!st.ok()) {
      errs[tid] = st;
      return;
    }
    for (int64_t i = 0; i < mq; ++i) {
      int64_t t = t0 + i, lim = std::min<int64_t>(n, d.q_pos0 + t + 1);
      float L = lse[h * d.T + t];
      float D = 0.f;
      for (int64_t j = 0; j < HD; ++j) D += dOb[i * qs + j] * out[t * qs + h * HD + j];
      float *pr = P + i * n, *dr = dS + i * n;
      for (int64_t s = 0; s < n; ++s) {
        bool vis = s < lim && L != kNegInf && (!seg_q || seg_q[t] == seg_k[s]);
        pr[s] = vis ? std::exp(pr[s] - L) : 0.f;
        dr[s] = pr[s] * (dr[s] - D) * d.scale;
      }
    }
    // dQ = dS · K ; dK += dS^T · Q ; dV += P^T · dO  (the transposes are (n, mq) copies)
    st = gemm_nn(dq + t0 * qs + h * HD, qs, dS, n, Kh, mq, 1.f, false, one);
    for (int64_t i = 0; i < mq; ++i)
      for (int64_t s = 0; s < n; ++s) Tr[s * mq + i] = dS[i * n + s];
    if (st.ok()) st = gemm_nn(DK + kvh * HD, ks, Tr, mq, WeightRef::from_f32(Qb, mq, HD, qs), n, 1.f, true, one);
    for (int64_t i = 0; i < mq; ++i)
      for (int64_t s = 0; s < n; ++s) Tr[s * mq + i] = P[i * n + s];
    if (st.ok()) st = gemm_nn(DV + kvh * HD, ks, Tr, mq, WeightRef::from_f32(dOb, mq, HD, qs), n, 1.f, true, one);
    if (!st.ok()) errs[tid] = st;
  });
  for (auto& e : errs) LATHE_RETURN_IF_ERROR(e);
  for (int i = 0; i + 1 < nth; ++i)
    for (int64_t j = 0; j < d.S * ks; ++j) {
      dk[j] += pdk[i][j];
      dv[j] += pdv[i][j];
    }
  return Status::Ok();
}

}  // namespace lathe::cpu::detail
