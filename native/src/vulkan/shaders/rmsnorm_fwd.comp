// RMSNorm forward (cpu::rmsnorm_forward): one workgroup per row, y = w * (x * rstd), rstd = 1/sqrt(mean(x²) + eps).
// The sum of squares is a tree over the workgroup (fp32), so it differs from the CPU's sequential sum by rounding only.
#version 450
layout(local_size_x = 256) in;
layout(binding = 0) writeonly buffer Y { float y[]; };
layout(binding = 1) writeonly buffer R { float rstd[]; };  // bound to Y (unused) when has_rstd == 0
layout(binding = 2) readonly buffer X { float x[]; };
layout(binding = 3) readonly buffer W { float w[]; };
layout(push_constant) uniform P { uint N, C; float eps; uint has_rstd; } p;

shared float part[256];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  for (uint n = gl_WorkGroupID.x; n < p.N; n += gl_NumWorkGroups.x) {
    const uint base = n * p.C;
    float ss = 0.0;
    for (uint c = tid; c < p.C; c += 256u) ss += x[base + c] * x[base + c];
    part[tid] = ss;
    barrier();
    for (uint s = 128u; s > 0u; s >>= 1) {
      if (tid < s) part[tid] += part[tid + s];
      barrier();
    }
    const float r = 1.0 / sqrt(part[0] / float(p.C) + p.eps);
    barrier();  // everyone has read part[0] before the next row overwrites it
    if (tid == 0u && p.has_rstd != 0u) rstd[n] = r;
    for (uint c = tid; c < p.C; c += 256u) y[base + c] = w[c] * (x[base + c] * r);
  }
}
