// AVX2 instantiation of the FlashAttention-style work units (attention_flash.h).
#include "cpu/simd_avx2.h"
#include "cpu/attention_flash.h"

namespace lathe::cpu::detail {

void flash_fwd_unit_avx2(const FlashArgs& a, int64_t g, int64_t t0, int64_t mq, float* ws, int32_t* wsi) {
  flash_fwd_unit<V256>(a, g, t0, mq, ws, wsi);
}

void flash_bwd_unit_avx2(const FlashArgs& a, float* dk, float* dv, int64_t g, int64_t t0, int64_t mq, float* ws,
                         int32_t* wsi) {
  flash_bwd_unit<V256>(a, dk, dv, g, t0, mq, ws, wsi);
}

}  // namespace lathe::cpu::detail
