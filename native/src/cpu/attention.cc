// Causal GQA attention front door: argument checks, ISA dispatch and the split of work units over threads. The SIMD
// paths run the FlashAttention-style units of attention_flash.h (one kv head x a block of query rows of its whole
// group); Isa::scalar runs the previous GEMM-based implementation (attention_gemm.cc) as the reference.
#include <algorithm>
#include <atomic>
#include <vector>

#include "cpu/attention_internal.h"
#include "cpu/dispatch.h"

namespace lathe::cpu {

namespace {

Status check_dims(const AttnDims& d) {
  if (d.T < 0 || d.S < 0 || d.NH <= 0 || d.NKV <= 0 || d.HD <= 0 || d.NH % d.NKV != 0)
    return Status::invalid("attention: bad dims (NH must be a multiple of NKV, all positive)");
  if (d.q_pos0 < 0 || d.q_pos0 + d.T > d.S)
    return Status::invalid("attention: queries reach past the last key (need q_pos0 + T <= S)");
  if (d.S > INT32_MAX) return Status::invalid("attention: more than 2^31 keys");
  return Status::Ok();
}


// Work units ordered by decreasing cost (later query blocks see more keys): unit u is (kv head, query block).
struct Units {
  int64_t NKV, nqb, bq, T;
  int64_t count() const { return NKV * nqb; }
  int64_t g(int64_t u) const { return u % NKV; }
  int64_t t0(int64_t u) const { return (nqb - 1 - u / NKV) * bq; }
  int64_t mq(int64_t u) const { return std::min(bq, T - t0(u)); }
};

// Per-thread workspace sized for the largest unit.
struct Workspace {
  std::vector<std::vector<float>> f;
  std::vector<std::vector<int32_t>> i;
  Workspace(int nth, int64_t Mp, int64_t HD) : f(nth), i(nth) {
    for (int t = 0; t < nth; ++t) {
      f[t].resize(detail::flash_ws_floats(Mp, HD));
      i[t].resize(detail::flash_ws_ints(Mp));
    }
  }
};

detail::FlashArgs flash_args(const float* q, const float* k, const float* v, const int32_t* seg_q, const int32_t* seg_k,
                             const AttnDims& d) {
  detail::FlashArgs a;
  a.q = q, a.k = k, a.v = v, a.seg_q = seg_q, a.seg_k = seg_k, a.d = d;
  a.bq = std::min<int64_t>(detail::flash_block_rows(d.NH / d.NKV), d.T);
  return a;
}

}  // namespace

Status attention_forward(float* out, float* lse, const float* q, const float* k, const float* v, const int32_t* seg_q,
                         const int32_t* seg_k, const AttnDims& d, const Exec& ex) {
  LATHE_RETURN_IF_ERROR(check_dims(d));
  if ((seg_q == nullptr) != (seg_k == nullptr)) return Status::invalid("attention: pass both segment arrays or none");
  const auto unit = kernels(ex.isa).flash_fwd;
  if (!unit) return detail::attention_forward_gemm(out, lse, q, k, v, seg_q, seg_k, d, ex);
  if (d.T == 0) return Status::Ok();
  detail::FlashArgs a = flash_args(q, k, v, seg_q, seg_k, d);
  a.out = out, a.lse = lse;
  const Units U{d.NKV, (d.T + a.bq - 1) / a.bq, a.bq, d.T};
  int nth = ex.pool ? static_cast<int>(std::min<int64_t>(ex.pool->size(), U.count())) : 1;
  Workspace ws(nth, detail::flash_rows_padded(d.NH / d.NKV, a.bq), d.HD);
  if (nth <= 1) {
    for (int64_t u = 0; u < U.count(); ++u) unit(a, U.g(u), U.t0(u), U.mq(u), ws.f[0].data(), ws.i[0].data());
    return Status::Ok();
  }
  // Dynamic assignment (units are independent, so the result does not depend on it): keeps both cores busy when
  // the machine is shared and one thread is descheduled.
  std::atomic<int64_t> next{0};
  ex.pool->run([&](int tid, int) {
    if (tid >= nth) return;
    for (int64_t u; (u = next.fetch_add(1, std::memory_order_relaxed)) < U.count();)
      unit(a, U.g(u), U.t0(u), U.mq(u), ws.f[tid].data(), ws.i[tid].data());
  });
  return Status::Ok();
}

Status attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* out, const float* lse,
                          const float* q, const float* k, const float* v, const int32_t* seg_q, const int32_t* seg_k,
                          const AttnDims& d, const Exec& ex) {
  LATHE_RETURN_IF_ERROR(check_dims(d));
  if (!lse) return Status::invalid("attention_backward: needs the forward's lse");
  if ((seg_q == nullptr) != (seg_k == nullptr)) return Status::invalid("attention: pass both segment arrays or none");
  const auto unit = kernels(ex.isa).flash_bwd;
  if (!unit) return detail::attention_backward_gemm(dq, dk, dv, dout, out, lse, q, k, v, seg_q, seg_k, d, ex);
  const int64_t kv_n = d.S * d.NKV * d.HD;
  std::fill(dk, dk + kv_n, 0.f);
  std::fill(dv, dv + kv_n, 0.f);
  if (d.T == 0) return Status::Ok();
  detail::FlashArgs a = flash_args(q, k, v, seg_q, seg_k, d);
  a.dq = dq, a.dout = dout, a.fwd_out = out, a.fwd_lse = lse;
  const Units U{d.NKV, (d.T + a.bq - 1) / a.bq, a.bq, d.T};
  int nth = ex.pool ? static_cast<int>(std::min<int64_t>(ex.pool->size(), U.count())) : 1;
  Workspace ws(nth, detail::flash_rows_padded(d.NH / d.NKV, a.bq), d.HD);
  if (nth <= 1) {
    for (int64_t u = 0; u < U.count(); ++u) unit(a, dk, dv, U.g(u), U.t0(u), U.mq(u), ws.f[0].data(), ws.i[0].data());
    return Status::Ok();
  }
  // Units add into dk/dv, so the assignment is static (deterministic sums): thread 0 accumulates into dk/dv, the
  // others into private buffers reduced at the end. Snake order over the cost-sorted units balances the load.
  std::vector<std::vector<float>> pdk(nth - 1, std::vector<float>(kv_n, 0.f)), pdv(nth - 1, std::vector<float>(kv_n, 0.f));
  ex.pool->run([&](int tid, int) {
    if (tid >= nth) return;
    float* DK = tid == 0 ? dk : pdk[tid - 1].data();
    float* DV = tid == 0 ? dv : pdv[tid - 1].data();
    for (int64_t u = 0; u < U.count(); ++u) {
      int64_t round = u / nth, pos = u % nth;
      int owner = static_cast<int>(round % 2 == 0 ? pos : nth - 1 - pos);
      if (owner == tid) unit(a, DK, DV, U.g(u), U.t0(u), U.mq(u), ws.f[tid].data(), ws.i[tid].data());
    }
  });
  ex.pool->parallel_for(kv_n, [&](int64_t b, int64_t e, int) {
    for (int t = 0; t + 1 < nth; ++t) {
      const float *pk = pdk[t].data(), *pv = pdv[t].data();
      for (int64_t j = b; j < e; ++j) {
        dk[j] += pk[j];
        dv[j] += pv[j];
      }
    }
  }, 4096);
  return Status::Ok();
}

}  // namespace lathe::cpu
