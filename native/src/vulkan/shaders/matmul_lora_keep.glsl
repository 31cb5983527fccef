// LoRA dropout keep bit, bit-identical to cpu::lora_keep: splitmix64(seed ^ splitmix64(idx)), top 24 bits as a
// uniform in [0, 1), kept when >= p. 64-bit integers are emulated as uvec2(lo, hi) so no device needs shaderInt64.
// Any shader that applies or differentiates LoRA dropout includes this one file, so the masks cannot drift apart.

uvec2 u64_add(uvec2 a, uvec2 b) {
  uint carry;
  uint lo = uaddCarry(a.x, b.x, carry);
  return uvec2(lo, a.y + b.y + carry);
}
uvec2 u64_mul(uvec2 a, uvec2 b) {  // low 64 bits of a * b
  uint hi, lo;
  umulExtended(a.x, b.x, hi, lo);
  return uvec2(lo, hi + a.x * b.y + a.y * b.x);
}
uvec2 u64_xor_shr(uvec2 a, uint n) {  // a ^ (a >> n), 0 < n < 32
  return a ^ uvec2((a.x >> n) | (a.y << (32u - n)), a.y >> n);
}
uvec2 splitmix64(uvec2 x) {
  x = u64_add(x, uvec2(0x7f4a7c15u, 0x9e3779b9u));
  x = u64_mul(u64_xor_shr(x, 30u), uvec2(0x1ce4e5b9u, 0xbf58476du));
  x = u64_mul(u64_xor_shr(x, 27u), uvec2(0x133111ebu, 0x94d049bbu));
  return u64_xor_shr(x, 31u);
}
// seed as (lo, hi); idx = t * IN + i (< 2^32, checked by the host).
bool lora_keep(uvec2 seed, uint idx, float p) {
  if (p <= 0.0) return true;
  uvec2 h = splitmix64(seed ^ splitmix64(uvec2(idx, 0u)));
  float u = float(h.y >> 8) * (1.0 / 16777216.0);
  return u >= p;
}
