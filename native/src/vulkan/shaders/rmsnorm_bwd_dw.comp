// RMSNorm backward, weight gradient (cpu::rmsnorm_backward): dw[c] += Σ_n dy[n,c]·x[n,c]·rstd[n].
// One thread per column walking the rows in order (deterministic, no atomics; coalesced across the columns).
#version 450
layout(local_size_x = 64) in;
layout(binding = 0) buffer DW { float dw[]; };
layout(binding = 1) readonly buffer DY { float dy[]; };
layout(binding = 2) readonly buffer X { float x[]; };
layout(binding = 3) readonly buffer R { float rstd[]; };
layout(push_constant) uniform P { uint N, C; } p;

void main() {
  const uint c = gl_GlobalInvocationID.x;
  if (c >= p.C) return;
  float acc = dw[c];
  for (uint n = 0u; n < p.N; ++n) acc += dy[n * p.C + c] * x[n * p.C + c] * rstd[n];
  dw[c] = acc;
}
