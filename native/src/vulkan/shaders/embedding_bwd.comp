// Embedding backward (cpu::embedding_backward): dtable[ids[t], c] += dout[t, c]. One thread per column c walks the
// tokens in order, so repeated ids never race and the sums round exactly as on the CPU.
#version 450
layout(local_size_x = 64) in;
layout(binding = 0) buffer DT { float dtab[]; };
layout(binding = 1) readonly buffer DO { float dout[]; };
layout(binding = 2) readonly buffer Ids { int ids[]; };
layout(push_constant) uniform P { uint T, C, V; } p;

void main() {
  const uint c = gl_GlobalInvocationID.x;
  if (c >= p.C) return;
  for (uint t = 0u; t < p.T; ++t) {
    const int id = ids[t];
    if (id >= 0 && uint(id) < p.V) dtab[uint(id) * p.C + c] += dout[t * p.C + c];
  }
}
