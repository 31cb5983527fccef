// bf16 storage helpers: bf16 is the upper 16 bits of an IEEE f32; f32->bf16 rounds to nearest-even (formats.md §4), NaN stays NaN.
#pragma once
#include <cstdint>
#include <cstring>

namespace lathe::quant {

inline float bf16_to_f32(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline uint16_t f32_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);  // quiet NaN, keep sign
  u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest, ties to even (inf stays inf, overflow rounds to inf)
  return static_cast<uint16_t>(u >> 16);
}

// IEEE binary16 -> f32 (safetensors F16 weights); exact for every input incl. subnormals, inf, NaN.
inline float f16_to_f32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t u;
  if (exp == 0) {
    if (mant == 0) {
      u = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do { ++e; mant <<= 1; } while ((mant & 0x400u) == 0);
      u = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    u = sign | 0x7f800000u | (mant << 13);
  } else {
    u = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

void bf16_to_f32_n(float* dst, const uint16_t* src, int64_t n);
void f32_to_bf16_n(uint16_t* dst, const float* src, int64_t n);
void f16_to_f32_n(float* dst, const uint16_t* src, int64_t n);

}  // namespace lathe::quant
