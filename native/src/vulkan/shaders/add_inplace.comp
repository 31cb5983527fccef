// y += a over n floats (cpu::add_inplace).
#version 450
layout(local_size_x = 256) in;
layout(binding = 0) buffer Y { float y[]; };
layout(binding = 1) readonly buffer A { float a[]; };
layout(push_constant) uniform P { uint n; } p;

void main() {
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * 256u) y[i] += a[i];
}
