// h = silu(g) * u, silu(g) = g / (1 + exp(-g)) (cpu::swiglu_forward, same operation order).
#version 450
layout(local_size_x = 256) in;
layout(binding = 0) writeonly buffer H { float h[]; };
layout(binding = 1) readonly buffer G { float g[]; };
layout(binding = 2) readonly buffer U { float u[]; };
layout(push_constant) uniform P { uint n; } p;

void main() {
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * 256u) {
    float x = g[i];
    h[i] = x / (1.0 + exp(-x)) * u[i];
  }
}
