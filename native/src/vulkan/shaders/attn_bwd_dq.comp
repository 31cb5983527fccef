#version 450
// Flash attention backward, step 3: dq. One workgroup = BR query rows of one head; it walks the key tiles up to its
// causal limit, recomputes P and dS for each BR x BC block and accumulates dq = dS · k in registers (dq overwritten).
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 128) in;
layout(constant_id = 0) const uint HD = 64u;
const uint BR = 16u, BC = 8u, NC = (HD + 7u) / 8u;

layout(binding = 0) writeonly buffer dQb { float dq[]; };
layout(binding = 1) readonly buffer dOb { float dout[]; };
layout(binding = 2) readonly buffer Lb { float lse[]; };
layout(binding = 3) readonly buffer Db { float D[]; };
layout(binding = 4) readonly buffer Qb { float q[]; };
layout(binding = 5) readonly buffer Kb { float k[]; };
layout(binding = 6) readonly buffer Vb { float v[]; };
layout(binding = 7) readonly buffer SQb { int seg_q[]; };
layout(binding = 8) readonly buffer SKb { int seg_k[]; };
#include "attn_common.glsl"

shared float Qs[BR * HD], dOs[BR * HD], Ks[BC * HD], Vs[BC * HD];
shared float dSs[BR][BC];
shared float lse_s[BR], D_s[BR];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint t0 = gl_WorkGroupID.x * BR, h = gl_WorkGroupID.y;
  const uint kvh = h / (pc.NH / pc.NKV);
  const uint qs = pc.NH * HD, ks = pc.NKV * HD;
  const uint r = tid / 8u, c8 = tid % 8u;   // accumulator ownership: query row r, columns c8 + 8 i
  const uint pi = tid / BC, pj = tid % BC;  // score ownership

  for (uint e = tid; e < BR * HD; e += 128u) {
    uint t = t0 + e / HD;
    bool ok = t < pc.T;
    Qs[e] = ok ? q[t * qs + h * HD + e % HD] : 0.0;
    dOs[e] = ok ? dout[t * qs + h * HD + e % HD] : 0.0;
  }
  if (tid < BR) {
    uint t = t0 + tid;
    lse_s[tid] = t < pc.T ? lse[h * pc.T + t] : -1.0 / 0.0;
    D_s[tid] = t < pc.T ? D[h * pc.T + t] : 0.0;
  }
  float acc[NC];
  for (uint i = 0u; i < NC; ++i) acc[i] = 0.0;

  const uint last = min(t0 + BR, pc.T) - 1u;
  const uint kend = min(pc.S, pc.q_pos0 + last + 1u);
  for (uint s0 = 0u; s0 < kend; s0 += BC) {
    barrier();
    for (uint e = tid; e < BC * HD; e += 128u) {
      uint s = s0 + e / HD;
      bool ok = s < pc.S;
      Ks[e] = ok ? k[s * ks + kvh * HD + e % HD] : 0.0;
      Vs[e] = ok ? v[s * ks + kvh * HD + e % HD] : 0.0;
    }
    barrier();
    {
      float ds = 0.0;
      float L = lse_s[pi];
      if (attn_visible(t0 + pi, s0 + pj) && L != -1.0 / 0.0) {
        float sc = 0.0, dp = 0.0;
        for (uint c = 0u; c < HD; ++c) {
          sc = fma(Qs[pi * HD + c], Ks[pj * HD + c], sc);
          dp = fma(dOs[pi * HD + c], Vs[pj * HD + c], dp);
        }
        float p = exp(sc * pc.scale - L);
        ds = p * (dp - D_s[pi]) * pc.scale;
      }
      dSs[pi][pj] = ds;
    }
    barrier();
    for (uint ic = 0u; ic < NC; ++ic) {
      uint c = c8 + 8u * ic;
      if (c >= HD) break;
      float a = acc[ic];
      for (uint j = 0u; j < BC; ++j) a = fma(dSs[r][j], Ks[j * HD + c], a);
      acc[ic] = a;
    }
  }
  uint t = t0 + r;
  if (t < pc.T) {
    for (uint ic = 0u; ic < NC; ++ic) {
      uint c = c8 + 8u * ic;
      if (c < HD) dq[t * qs + h * HD + c] = acc[ic];
    }
  }
}
