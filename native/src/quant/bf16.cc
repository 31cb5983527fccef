// Bulk bf16/f16 conversions (scalar; the compiler vectorises the simple loops).
#include "quant/bf16.h"

namespace lathe::quant {

void bf16_to_f32_n(float* dst, const uint16_t* src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(src[i]);
}
void f32_to_bf16_n(uint16_t* dst, const float* src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = f32_to_bf16(src[i]);
}
void f16_to_f32_n(float* dst, const uint16_t* src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(src[i]);
}

}  // namespace lathe::quant
