#version 450
// Row pass of the chunked output-head log-softmax: one workgroup per token row of the (n, V) logits chunk that the
// GEMM just wrote into scratch.
//   MODE 0 (forward): L = logsumexp(row); lse[t] = L (when asked); logp[t] = row[target] - L, or 0 for target -1.
//   MODE 1 (backward): row = g[t] (onehot(target) - softmax(row)) in place, with L from the forward's lse (or
//   recomputed), or all zeros for target -1 / g = 0; the GEMM dh = row · W follows.
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint MODE = 0u;
layout(binding = 0) buffer Lg { float logits[]; };
layout(binding = 1) readonly buffer Tg { int target[]; };
layout(binding = 2) buffer Ls { float lse[]; };
layout(binding = 3) buffer Pg { float lp_or_g[]; };  // forward: logp (written); backward: g (read)
layout(push_constant) uniform PC {
  uint V, t0;
  uint use_lse;  // forward: write lse; backward: read it (else recompute)
} pc;

shared float red[256];

float reduce_max(float x) {
  uint tid = gl_LocalInvocationID.x;
  red[tid] = x;
  barrier();
  for (uint s = 128u; s > 0u; s >>= 1) {
    if (tid < s) red[tid] = max(red[tid], red[tid + s]);
    barrier();
  }
  float r = red[0];
  barrier();
  return r;
}
float reduce_sum(float x) {
  uint tid = gl_LocalInvocationID.x;
  red[tid] = x;
  barrier();
  for (uint s = 128u; s > 0u; s >>= 1) {
    if (tid < s) red[tid] += red[tid + s];
    barrier();
  }
  float r = red[0];
  barrier();
  return r;
}

float row_lse(uint base) {
  float m = -1.0 / 0.0;
  for (uint j = gl_LocalInvocationID.x; j < pc.V; j += 256u) m = max(m, logits[base + j]);
  m = reduce_max(m);
  if (m == -1.0 / 0.0) return m;
  float s = 0.0;
  for (uint j = gl_LocalInvocationID.x; j < pc.V; j += 256u) s += exp(logits[base + j] - m);
  return m + log(reduce_sum(s));
}

void main() {
  const uint i = gl_WorkGroupID.x, t = pc.t0 + i, base = i * pc.V, tid = gl_LocalInvocationID.x;
  const int tg = target[t];
  if (MODE == 0u) {
    float L = row_lse(base);
    if (tid == 0u) {
      if (pc.use_lse != 0u) lse[t] = L;
      lp_or_g[t] = tg < 0 ? 0.0 : logits[base + uint(tg)] - L;
    }
    return;
  }
  float g = lp_or_g[t];
  if (tg < 0 || g == 0.0) {
    for (uint j = tid; j < pc.V; j += 256u) logits[base + j] = 0.0;
    return;
  }
  float L = pc.use_lse != 0u ? lse[t] : row_lse(base);
  for (uint j = tid; j < pc.V; j += 256u) {
    float p = -g * exp(logits[base + j] - L);
    logits[base + j] = j == uint(tg) ? p + g : p;
  }
}
