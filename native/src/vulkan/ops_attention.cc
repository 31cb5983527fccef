// Host side of the flash-attention shaders: argument checks (the same as cpu/attention.cc), pipeline choice by head
// dim (a specialization constant sizes the shared tiles) and the dispatch grids.
#include "vulkan/ops_attention.h"

#include <string>

namespace lathe::vk {

namespace {

// Must match attn_common.glsl.
struct AttnPush {
  uint32_t T, S, q_pos0, NH, NKV;
  float scale;
  uint32_t has_seg, write_lse;
};

constexpr uint32_t kFwdRows = 16, kDqRows = 16, kDkvKeys = 16;  // BR / BC of the shaders

Status check(const Context& ctx, const cpu::AttnDims& d, View seg_q, View seg_k) {
  if (d.T < 0 || d.S < 0 || d.NH <= 0 || d.NKV <= 0 || d.HD <= 0 || d.NH % d.NKV != 0)
    return Status::invalid("attention: bad dims (NH must be a multiple of NKV, all positive)");
  if (d.q_pos0 < 0 || d.q_pos0 + d.T > d.S)
    return Status::invalid("attention: queries reach past the last key (need q_pos0 + T <= S)");
  if ((seg_q.buf == nullptr) != (seg_k.buf == nullptr))
    return Status::invalid("attention: pass both segment arrays or none");
  if (static_cast<uint64_t>(d.S) * d.NKV * d.HD > 0xffffffffull || static_cast<uint64_t>(d.T) * d.NH * d.HD > 0xffffffffull)
    return Status::error(status_code::unsupported, "vulkan attention: more than 2^32 elements in q or k");
  // Largest shared footprint (forward): 16 query rows + 32 keys of HD floats, plus the 16x32 score block.
  uint64_t shared = 4ull * ((kFwdRows + 32) * d.HD + kFwdRows * 32 + 3 * kFwdRows);
  if (shared > ctx.caps().max_shared_bytes)
    return Status::error(status_code::unsupported,
                         "vulkan attention: head_dim " + std::to_string(d.HD) + " needs " + std::to_string(shared) +
                             " bytes of shared memory; this device has " + std::to_string(ctx.caps().max_shared_bytes),
                         "Use the CPU device for this model");
  return Status::Ok();
}

AttnPush push(const cpu::AttnDims& d, bool seg, bool write_lse) {
  return AttnPush{uint32_t(d.T), uint32_t(d.S), uint32_t(d.q_pos0), uint32_t(d.NH), uint32_t(d.NKV), d.scale,
                  seg ? 1u : 0u, write_lse ? 1u : 0u};
}

}  // namespace

Status attention_forward(Context& ctx, Recorder& rec, View out, View lse, View q, View k, View v, View seg_q,
                         View seg_k, const cpu::AttnDims& d) {
  LATHE_RETURN_IF_ERROR(check(ctx, d, seg_q, seg_k));
  if (d.T == 0) return Status::Ok();
  Pipeline* p = nullptr;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "attn_fwd", 7, sizeof(AttnPush), {uint32_t(d.HD)}));
  bool seg = seg_q.buf != nullptr;
  AttnPush pc = push(d, seg, lse.buf != nullptr);
  // Unused bindings still need a valid buffer: they point at q and are never read (has_seg / write_lse are 0).
  rec.dispatch(*p, {out, lse.buf ? lse : out, q, k, v, seg ? seg_q : q, seg ? seg_k : q}, &pc, sizeof pc,
               groups(d.T, kFwdRows), uint32_t(d.NH));
  return Status::Ok();
}

int64_t attention_backward_scratch_floats(const cpu::AttnDims& d) { return d.NH * d.T; }

Status attention_backward(Context& ctx, Recorder& rec, View dq, View dk, View dv, View dout, View out, View lse, View q,
                          View k, View v, View seg_q, View seg_k, const cpu::AttnDims& d, View scratch) {
  LATHE_RETURN_IF_ERROR(check(ctx, d, seg_q, seg_k));
  if (!lse.buf) return Status::invalid("attention_backward: needs the forward's lse");
  if (d.S == 0) return Status::Ok();
  bool seg = seg_q.buf != nullptr;
  AttnPush pc = push(d, seg, false);
  View sq = seg ? seg_q : q, sk = seg ? seg_k : q;
  if (d.T == 0) {  // no query: dk = dv = 0 (the dkdv kernel writes them without reading D)
    rec.fill_u32(dk, 0u);
    rec.fill_u32(dv, 0u);
    return Status::Ok();
  }
  if (!scratch.buf || scratch.size < uint64_t(4 * attention_backward_scratch_floats(d)))
    return Status::invalid("attention_backward: scratch too small (attention_backward_scratch_floats)");
  Pipeline *pd = nullptr, *pkv = nullptr, *pq = nullptr;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&pd, "attn_bwd_dot", 3, 12));
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&pkv, "attn_bwd_dkdv", 10, sizeof(AttnPush), {uint32_t(d.HD)}));
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&pq, "attn_bwd_dq", 9, sizeof(AttnPush), {uint32_t(d.HD)}));
  uint32_t dp[3] = {uint32_t(d.T), uint32_t(d.NH), uint32_t(d.HD)};
  rec.dispatch(*pd, {scratch, dout, out}, dp, sizeof dp, groups(uint64_t(d.T) * d.NH, 128));
  rec.dispatch(*pkv, {dk, dv, dout, lse, scratch, q, k, v, sq, sk}, &pc, sizeof pc, groups(d.S, kDkvKeys),
               uint32_t(d.NKV));
  rec.dispatch(*pq, {dq, dout, lse, scratch, q, k, v, sq, sk}, &pc, sizeof pc, groups(d.T, kDqRows), uint32_t(d.NH));
  return Status::Ok();
}

}  // namespace lathe::vk
