// Host side of the chunked output head: per chunk of tokens one GEMM into scratch (the weight dequantized in its tile
// load) and one row pass (logsoftmax_rows.comp), in the order of cpu/head.cc.
#include "vulkan/ops_head.h"

#include <algorithm>
#include <string>

namespace lathe::vk {

namespace {

struct RowsPush {
  uint32_t V, t0, use_lse;
};

Status check(const DeviceWeight& head, int64_t T, int64_t chunk, View target, View scratch) {
  if (head.dtype != DType::f32 && head.dtype != DType::bf16)
    return Status::error(status_code::unsupported, "output head must be f32 or bf16");
  if (chunk <= 0) return Status::invalid("logsoftmax_gather: chunk must be positive");
  if (T < 0 || !target.buf) return Status::invalid("logsoftmax_gather: bad sizes or no target buffer");
  if (T > 0 && (!scratch.buf || scratch.size < uint64_t(4 * logsoftmax_gather_scratch_floats(T, head.out, chunk))))
    return Status::invalid("logsoftmax_gather: scratch too small (logsoftmax_gather_scratch_floats)");
  return Status::Ok();
}

Status rows(Context& ctx, Recorder& rec, uint32_t mode, View scratch, View target, View lse, View lp_or_g, int64_t V,
            int64_t t0, int64_t n, bool use_lse) {
  Pipeline* p = nullptr;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "logsoftmax_rows", 4, sizeof(RowsPush), {mode}));
  RowsPush pc{uint32_t(V), uint32_t(t0), use_lse ? 1u : 0u};
  // An absent lse is never touched (use_lse 0); bind the logp/g view in its place.
  rec.dispatch(*p, {scratch, target, use_lse ? lse : lp_or_g, lp_or_g}, &pc, sizeof pc, uint32_t(n));
  return Status::Ok();
}

}  // namespace

Status validate_targets(const int32_t* target, int64_t T, int64_t V) {
  for (int64_t t = 0; t < T; ++t)
    if (target[t] < -1 || target[t] >= V)
      return Status::invalid("target id " + std::to_string(target[t]) + " at position " + std::to_string(t) +
                                 " is outside the vocabulary (" + std::to_string(V) + " tokens)",
                             "Check that the tokenizer matches the model");
  return Status::Ok();
}

int64_t logsoftmax_gather_scratch_floats(int64_t T, int64_t V, int64_t chunk) {
  return std::min(chunk, std::max<int64_t>(T, 1)) * V;
}

Status logsoftmax_gather_forward(Context& ctx, Recorder& rec, View logp, View lse, DMat h, const DeviceWeight& head,
                                 View target, int64_t T, int64_t chunk, View scratch) {
  LATHE_RETURN_IF_ERROR(check(head, T, chunk, target, scratch));
  const int64_t V = head.out, C = head.in;
  if (!h.ld) h.ld = C;
  for (int64_t t0 = 0; t0 < T; t0 += chunk) {
    int64_t n = std::min(chunk, T - t0);
    DMat hs{h.view, h.off + uint64_t(t0) * h.ld, h.ld};
    LATHE_RETURN_IF_ERROR(gemm_nt(ctx, rec, DMat{scratch, 0, V}, hs, head, n, 1.0f, false));
    LATHE_RETURN_IF_ERROR(rows(ctx, rec, 0, scratch, target, lse, logp, V, t0, n, lse.buf != nullptr));
  }
  return Status::Ok();
}

Status logsoftmax_gather_backward(Context& ctx, Recorder& rec, DMat dh, View g, DMat h, const DeviceWeight& head,
                                  View target, View lse, int64_t T, int64_t chunk, View scratch, bool accumulate,
                                  DMat dhead) {
  LATHE_RETURN_IF_ERROR(check(head, T, chunk, target, scratch));
  const int64_t V = head.out, C = head.in;
  if (!h.ld) h.ld = C;
  if (!dh.ld) dh.ld = C;
  for (int64_t t0 = 0; t0 < T; t0 += chunk) {
    int64_t n = std::min(chunk, T - t0);
    DMat hs{h.view, h.off + uint64_t(t0) * h.ld, h.ld};
    LATHE_RETURN_IF_ERROR(gemm_nt(ctx, rec, DMat{scratch, 0, V}, hs, head, n, 1.0f, false));
    LATHE_RETURN_IF_ERROR(rows(ctx, rec, 1, scratch, target, lse, g, V, t0, n, lse.buf != nullptr));
    DMat dhs{dh.view, dh.off + uint64_t(t0) * dh.ld, dh.ld};
    LATHE_RETURN_IF_ERROR(gemm_nn(ctx, rec, dhs, DMat{scratch, 0, V}, head, n, 1.0f, accumulate));
    if (dhead.view.buf) LATHE_RETURN_IF_ERROR(gemm_tn_acc(ctx, rec, dhead, DMat{scratch, 0, V}, hs, n, V, C, 1.0f));
  }
  return Status::Ok();
}

Status logits_row(Context& ctx, Recorder& rec, DMat logits, DMat h, const DeviceWeight& head) {
  return gemm_nt(ctx, rec, logits, h, head, 1, 1.0f, false);
}

}  // namespace lathe::vk
