#version 450
// Flash attention backward, step 2: dk, dv. One workgroup = BC keys of one kv head; it owns those rows of dk and dv
// outright (it loops over every query head of the GQA group and every query tile that can see the keys), so the sums
// need no atomics and run in a fixed order. Per query tile, P = exp(scale q·k - lse) and dS = P (dO·v - D) scale are
// recomputed for the BR x BC block, then dv += P^T dO and dk += dS^T q.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 128) in;
layout(constant_id = 0) const uint HD = 64u;
const uint BR = 8u, BC = 16u, NC = (HD + 7u) / 8u;

layout(binding = 0) writeonly buffer dKb { float dk[]; };
layout(binding = 1) writeonly buffer dVb { float dv[]; };
layout(binding = 2) readonly buffer dOb { float dout[]; };
layout(binding = 3) readonly buffer Lb { float lse[]; };
layout(binding = 4) readonly buffer Db { float D[]; };
layout(binding = 5) readonly buffer Qb { float q[]; };
layout(binding = 6) readonly buffer Kb { float k[]; };
layout(binding = 7) readonly buffer Vb { float v[]; };
layout(binding = 8) readonly buffer SQb { int seg_q[]; };
layout(binding = 9) readonly buffer SKb { int seg_k[]; };
#include "attn_common.glsl"

shared float Ks[BC * HD], Vs[BC * HD], Qs[BR * HD], dOs[BR * HD];
shared float Ps[BR][BC], dSs[BR][BC];
shared float lse_s[BR], D_s[BR];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint s0 = gl_WorkGroupID.x * BC, g = gl_WorkGroupID.y;
  const uint group = pc.NH / pc.NKV;
  const uint qs = pc.NH * HD, ks = pc.NKV * HD;
  const uint jr = tid / 8u, c8 = tid % 8u;       // accumulator ownership: key row jr, columns c8 + 8 i
  const uint pi = tid / BC, pj = tid % BC;       // score ownership: query row pi, key pj

  for (uint e = tid; e < BC * HD; e += 128u) {
    uint s = s0 + e / HD;
    bool ok = s < pc.S;
    Ks[e] = ok ? k[s * ks + g * HD + e % HD] : 0.0;
    Vs[e] = ok ? v[s * ks + g * HD + e % HD] : 0.0;
  }
  float dka[NC], dva[NC];
  for (uint i = 0u; i < NC; ++i) {
    dka[i] = 0.0;
    dva[i] = 0.0;
  }
  // First query row that can see key s0: q_pos0 + t >= s0.
  uint t_first = s0 > pc.q_pos0 ? s0 - pc.q_pos0 : 0u;
  for (uint hh = 0u; hh < group; ++hh) {
    uint h = g * group + hh;
    for (uint t0 = t_first / BR * BR; t0 < pc.T; t0 += BR) {
      barrier();
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
      barrier();
      {
        float p = 0.0, ds = 0.0;
        float L = lse_s[pi];
        if (attn_visible(t0 + pi, s0 + pj) && L != -1.0 / 0.0) {
          float sc = 0.0, dp = 0.0;
          for (uint c = 0u; c < HD; ++c) {
            sc = fma(Qs[pi * HD + c], Ks[pj * HD + c], sc);
            dp = fma(dOs[pi * HD + c], Vs[pj * HD + c], dp);
          }
          p = exp(sc * pc.scale - L);
          ds = p * (dp - D_s[pi]) * pc.scale;
        }
        Ps[pi][pj] = p;
        dSs[pi][pj] = ds;
      }
      barrier();
      for (uint ic = 0u; ic < NC; ++ic) {
        uint c = c8 + 8u * ic;
        if (c >= HD) break;
        float a = dva[ic], b = dka[ic];
        for (uint i = 0u; i < BR; ++i) {
          a = fma(Ps[i][jr], dOs[i * HD + c], a);
          b = fma(dSs[i][jr], Qs[i * HD + c], b);
        }
        dva[ic] = a;
        dka[ic] = b;
      }
    }
  }
  uint s = s0 + jr;
  if (s < pc.S) {
    for (uint ic = 0u; ic < NC; ++ic) {
      uint c = c8 + 8u * ic;
      if (c >= HD) break;
      dk[s * ks + g * HD + c] = dka[ic];
      dv[s * ks + g * HD + c] = dva[ic];
    }
  }
}
