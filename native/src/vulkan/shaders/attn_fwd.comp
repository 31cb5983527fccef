#version 450
// Causal GQA flash attention, forward: one workgroup = BR query rows of one head; it walks the key tiles up to the
// causal limit of its last row, BC keys at a time, with an online softmax (running max m, running sum l, rescale of the
// output accumulator). Memory is O(rows x HD) in shared memory; no (T, S) score buffer exists. Writes out and the
// natural-log lse (-inf, out 0 for a query that sees no key, as the CPU does).
// Thread layout: 8 threads per query row, each owning columns c8, c8 + 8, ... of the row's output accumulator.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 128) in;
layout(constant_id = 0) const uint HD = 64u;
const uint BR = 16u, BC = 32u, NC = (HD + 7u) / 8u;

layout(binding = 0) writeonly buffer Ob { float o[]; };
layout(binding = 1) writeonly buffer Lb { float lse[]; };
layout(binding = 2) readonly buffer Qb { float q[]; };
layout(binding = 3) readonly buffer Kb { float k[]; };
layout(binding = 4) readonly buffer Vb { float v[]; };
layout(binding = 5) readonly buffer SQb { int seg_q[]; };
layout(binding = 6) readonly buffer SKb { int seg_k[]; };
#include "attn_common.glsl"

shared float Qs[BR * HD];
shared float KVs[BC * HD];
shared float Ss[BR][BC];
shared float m_s[BR], l_s[BR], a_s[BR];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint t0 = gl_WorkGroupID.x * BR, h = gl_WorkGroupID.y;
  const uint kvh = h / (pc.NH / pc.NKV);
  const uint qs = pc.NH * HD, ks = pc.NKV * HD;
  const uint r = tid / 8u, c8 = tid % 8u;

  for (uint e = tid; e < BR * HD; e += 128u) {
    uint t = t0 + e / HD;
    Qs[e] = t < pc.T ? q[t * qs + h * HD + e % HD] * pc.scale : 0.0;
  }
  if (tid < BR) {
    m_s[tid] = -1.0 / 0.0;
    l_s[tid] = 0.0;
  }
  float acc[NC];
  for (uint j = 0u; j < NC; ++j) acc[j] = 0.0;

  const uint last = min(t0 + BR, pc.T) - 1u;
  const uint kend = min(pc.S, pc.q_pos0 + last + 1u);
  for (uint s0 = 0u; s0 < kend; s0 += BC) {
    barrier();
    for (uint e = tid; e < BC * HD; e += 128u) {
      uint s = s0 + e / HD;
      KVs[e] = s < pc.S ? k[s * ks + kvh * HD + e % HD] : 0.0;
    }
    barrier();
    for (uint e = tid; e < BR * BC; e += 128u) {
      uint i = e / BC, j = e % BC;
      float sc = -1.0 / 0.0;
      if (attn_visible(t0 + i, s0 + j)) {
        sc = 0.0;
        for (uint c = 0u; c < HD; ++c) sc = fma(Qs[i * HD + c], KVs[j * HD + c], sc);
      }
      Ss[i][j] = sc;
    }
    barrier();
    if (tid < BR) {
      float m_old = m_s[tid], mx = m_old;
      for (uint j = 0u; j < BC; ++j) mx = max(mx, Ss[tid][j]);
      float alpha = 1.0, sum = 0.0;
      if (mx != -1.0 / 0.0) {
        alpha = m_old == -1.0 / 0.0 ? 0.0 : exp(m_old - mx);
        for (uint j = 0u; j < BC; ++j) {
          float p = Ss[tid][j] == -1.0 / 0.0 ? 0.0 : exp(Ss[tid][j] - mx);
          Ss[tid][j] = p;
          sum += p;
        }
      } else {
        for (uint j = 0u; j < BC; ++j) Ss[tid][j] = 0.0;
      }
      m_s[tid] = mx;
      l_s[tid] = l_s[tid] * alpha + sum;
      a_s[tid] = alpha;
    }
    barrier();
    for (uint e = tid; e < BC * HD; e += 128u) {
      uint s = s0 + e / HD;
      KVs[e] = s < pc.S ? v[s * ks + kvh * HD + e % HD] : 0.0;
    }
    barrier();
    float alpha = a_s[r];
    for (uint jc = 0u; jc < NC; ++jc) {
      uint c = c8 + 8u * jc;
      if (c >= HD) break;
      float x = acc[jc] * alpha;
      for (uint j = 0u; j < BC; ++j) x = fma(Ss[r][j], KVs[j * HD + c], x);
      acc[jc] = x;
    }
  }
  barrier();
  uint t = t0 + r;
  if (t < pc.T) {
    float l = l_s[r];
    float inv = l > 0.0 ? 1.0 / l : 0.0;
    for (uint jc = 0u; jc < NC; ++jc) {
      uint c = c8 + 8u * jc;
      if (c < HD) o[t * qs + h * HD + c] = acc[jc] * inv;
    }
    if (c8 == 0u && pc.write_lse != 0u) lse[h * pc.T + t] = l > 0.0 ? m_s[r] + log(l) : -1.0 / 0.0;
  }
}
