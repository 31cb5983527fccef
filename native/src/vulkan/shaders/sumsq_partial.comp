// Gradient norm, first pass: each workgroup sums x² over its 4096-element chunk (16 per thread, then a tree), fp32,
// and writes one partial at partials[out_off + workgroup]. The host adds the partials in double (cpu::grad_norm).
// NaN and inf propagate into the partials, as on the CPU.
#version 450
layout(local_size_x = 256) in;
layout(binding = 0) writeonly buffer Out { float partials[]; };
layout(binding = 1) readonly buffer X { float x[]; };
layout(push_constant) uniform P { uint n, out_off; } p;

shared float part[256];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint base = gl_WorkGroupID.x * 4096u;
  float acc = 0.0;
  for (uint k = 0u; k < 16u; ++k) {
    const uint i = base + k * 256u + tid;
    if (i < p.n) acc += x[i] * x[i];
  }
  part[tid] = acc;
  barrier();
  for (uint s = 128u; s > 0u; s >>= 1) {
    if (tid < s) part[tid] += part[tid + s];
    barrier();
  }
  if (tid == 0u) partials[p.out_off + gl_WorkGroupID.x] = part[0];
}
