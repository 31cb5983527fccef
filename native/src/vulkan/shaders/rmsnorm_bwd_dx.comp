// RMSNorm backward, input gradient (cpu::rmsnorm_backward): per row, dot = Σ w·dy·x, k = r³·dot/C,
// dx = r·w·dy − k·x, overwritten or accumulated (ACCUMULATE). One workgroup per row.
#version 450
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint ACCUMULATE = 0u;
layout(binding = 0) buffer DX { float dx[]; };
layout(binding = 1) readonly buffer DY { float dy[]; };
layout(binding = 2) readonly buffer X { float x[]; };
layout(binding = 3) readonly buffer W { float w[]; };
layout(binding = 4) readonly buffer R { float rstd[]; };
layout(push_constant) uniform P { uint N, C; } p;

shared float part[256];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  for (uint n = gl_WorkGroupID.x; n < p.N; n += gl_NumWorkGroups.x) {
    const uint base = n * p.C;
    float dot = 0.0;
    for (uint c = tid; c < p.C; c += 256u) dot += w[c] * dy[base + c] * x[base + c];
    part[tid] = dot;
    barrier();
    for (uint s = 128u; s > 0u; s >>= 1) {
      if (tid < s) part[tid] += part[tid + s];
      barrier();
    }
    const float r = rstd[n];
    const float k = r * r * r * part[0] / float(p.C);
    barrier();
    for (uint c = tid; c < p.C; c += 256u) {
      const float v = r * w[c] * dy[base + c] - k * x[base + c];
      if (ACCUMULATE != 0u) dx[base + c] += v;
      else dx[base + c] = v;
    }
  }
}
