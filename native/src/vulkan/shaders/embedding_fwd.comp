// Embedding gather (cpu::embedding_forward): out[t, :] = table[ids[t], :], table f32 (BF16 = 0) or bf16 packed two per
// 32-bit word (BF16 = 1, element e in word e/2, low half first). Out-of-range ids write zeros (the host checks ids).
#version 450
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint BF16 = 0u;
layout(binding = 0) writeonly buffer O { float o[]; };
layout(binding = 1) readonly buffer Ids { int ids[]; };
layout(binding = 2) readonly buffer Tab { uint tab[]; };  // f32 bits or packed bf16
layout(push_constant) uniform P { uint T, C, V; } p;

void main() {
  const uint total = p.T * p.C;
  for (uint k = gl_GlobalInvocationID.x; k < total; k += gl_NumWorkGroups.x * 256u) {
    const uint t = k / p.C, c = k - t * p.C;
    const int id = ids[t];
    if (id < 0 || uint(id) >= p.V) {
      o[k] = 0.0;
      continue;
    }
    const uint e = uint(id) * p.C + c;
    if (BF16 != 0u) {
      const uint word = tab[e >> 1];
      o[k] = uintBitsToFloat(((e & 1u) != 0u ? (word >> 16) : (word & 0xffffu)) << 16);
    } else {
      o[k] = uintBitsToFloat(tab[e]);
    }
  }
}
