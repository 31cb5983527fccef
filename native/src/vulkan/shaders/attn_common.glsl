// Shared pieces of the flash-attention shaders: dimensions in push constants and the visibility rule of
// cpu::attention_forward (query t sees key s iff s <= q_pos0 + t and, with segments, seg_q[t] == seg_k[s]).
// Needs buffers seg_q / seg_k (int) declared before the include.

layout(push_constant) uniform PC {
  uint T, S, q_pos0, NH, NKV;
  float scale;
  uint has_seg;
  uint write_lse;  // forward: 0 in inference (lse not asked for)
} pc;

bool attn_visible(uint t, uint s) {
  if (t >= pc.T || s >= pc.S || s > pc.q_pos0 + t) return false;
  return pc.has_seg == 0u || seg_q[t] == seg_k[s];
}
