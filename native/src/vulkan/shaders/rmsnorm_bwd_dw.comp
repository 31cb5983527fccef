// RMSNorm backward, weight gradient (cpu::rmsnorm_backward): dw[c] += Σ_n dy[n,c]·x[n,c]·rstd[n].
// A workgroup owns 16 columns; its 16 row lanes each sum every 16th row, then lane 0 adds the 16 partials in a fixed
// order: deterministic, no atomics, and 16x the parallelism of one thread per column (Qwen3's q/k norm has C = 128
// columns over T·heads rows).
#version 450
layout(local_size_x = 16, local_size_y = 16) in;
layout(binding = 0) buffer DW { float dw[]; };
layout(binding = 1) readonly buffer DY { float dy[]; };
layout(binding = 2) readonly buffer X { float x[]; };
layout(binding = 3) readonly buffer R { float rstd[]; };
layout(push_constant) uniform P { uint N, C; } p;

shared float part[16][16];

void main() {
  const uint lx = gl_LocalInvocationID.x, lane = gl_LocalInvocationID.y;
  const uint c = gl_WorkGroupID.x * 16u + lx;
  float acc = 0.0;
  if (c < p.C)
    for (uint n = lane; n < p.N; n += 16u) acc += dy[n * p.C + c] * x[n * p.C + c] * rstd[n];
  part[lane][lx] = acc;
  barrier();
  if (lane == 0u && c < p.C) {
    float s = dw[c];
    for (uint k = 0u; k < 16u; ++k) s += part[k][lx];
    dw[c] = s;
  }
}
