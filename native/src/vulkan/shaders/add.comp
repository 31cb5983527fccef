// y = a + b, elementwise over n floats (cpu::add). Also the runtime's end-to-end smoke test.
#version 450
layout(local_size_x = 256) in;
layout(binding = 0) writeonly buffer Y { float y[]; };
layout(binding = 1) readonly buffer A { float a[]; };
layout(binding = 2) readonly buffer B { float b[]; };
layout(push_constant) uniform P { uint n; } p;

void main() {
  // Grid-stride loop: the host caps the group count (65535 per axis), so any n works.
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * 256u) y[i] = a[i] + b[i];
}
