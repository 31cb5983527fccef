// y *= s over n floats (cpu::scale).
#version 450
layout(local_size_x = 256) in;
layout(binding = 0) buffer Y { float y[]; };
layout(push_constant) uniform P { uint n; float s; } p;

void main() {
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * 256u) y[i] *= p.s;
}
