// dg = dh * u * sig(g) * (1 + g (1 - sig(g))), du = dh * silu(g) (cpu::swiglu_backward; dg, du overwritten).
#version 450
layout(local_size_x = 256) in;
layout(binding = 0) writeonly buffer DG { float dg[]; };
layout(binding = 1) writeonly buffer DU { float du[]; };
layout(binding = 2) readonly buffer DH { float dh[]; };
layout(binding = 3) readonly buffer G { float g[]; };
layout(binding = 4) readonly buffer U { float u[]; };
layout(push_constant) uniform P { uint n; } p;

void main() {
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * 256u) {
    float x = g[i];
    float sg = 1.0 / (1.0 + exp(-x));
    float d = dh[i];
    dg[i] = d * u[i] * sg * (1.0 + x * (1.0 - sg));
    du[i] = d * (x * sg);
  }
}
