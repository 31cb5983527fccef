// RoPE, HF rotate-half layout (cpu::rope_forward / rope_backward): within each head, element i pairs with i + HD/2,
// both rotated by the angle of table row pos[t]; SIGN = -1 rotates back (the backward). y may alias x: each thread
// reads its pair before writing it. Positions outside the table write zeros (the host checks them first).
#version 450
layout(local_size_x = 256) in;
layout(binding = 0) buffer Y { float y[]; };
layout(binding = 1) buffer X { float x[]; };
layout(binding = 2) readonly buffer Pos { int pos[]; };
layout(binding = 3) readonly buffer Cos { float cos_t[]; };
layout(binding = 4) readonly buffer Sin { float sin_t[]; };
layout(push_constant) uniform P { uint T, NHX, HD, P; float sign; } p;

void main() {
  const uint half_d = p.HD / 2u;
  const uint total = p.T * p.NHX * half_d;
  for (uint k = gl_GlobalInvocationID.x; k < total; k += gl_NumWorkGroups.x * 256u) {
    const uint i = k % half_d;
    const uint row = k / half_d;  // t * NHX + h
    const uint t = row / p.NHX;
    const uint base = row * p.HD;
    const int ps = pos[t];
    const float x1 = x[base + i], x2 = x[base + i + half_d];
    if (ps < 0 || uint(ps) >= p.P) {
      y[base + i] = 0.0;
      y[base + i + half_d] = 0.0;
      continue;
    }
    const float c = cos_t[uint(ps) * half_d + i];
    const float sn = p.sign * sin_t[uint(ps) * half_d + i];
    y[base + i] = x1 * c - x2 * sn;
    y[base + i + half_d] = x2 * c + x1 * sn;
  }
}
