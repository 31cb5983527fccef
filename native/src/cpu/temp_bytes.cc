// Sizes of the temporaries the ops allocate internally, kept next to nothing else so the memory plan has one source.
#include <algorithm>

#include "cpu/ops.h"

namespace lathe::cpu {

namespace {
constexpr int64_t kF = sizeof(float);
bool lora_on(const LoraRef* l) { return l && l->r > 0; }
}  // namespace

int64_t matmul_forward_temp_bytes(int64_t T, int64_t IN, const LoraRef* l, bool lora_u_given) {
  if (!lora_on(l)) return 0;
  return ((l->dropout > 0.f ? T * IN : 0) + (lora_u_given ? 0 : T * l->r)) * kF;
}

int64_t matmul_backward_temp_bytes(int64_t T, int64_t IN, const LoraRef* l, bool lora_u_given) {
  if (!lora_on(l)) return 0;
  return (T * l->r + (l->dropout > 0.f ? T * IN : 0) + (lora_u_given ? 0 : T * l->r)) * kF;
}

int64_t attention_forward_temp_bytes(const AttnDims& d, int threads) {
  return std::max(threads, 1) * 64 * std::max<int64_t>(d.S, 1) * kF;  // a (64, S) score block per thread
}

int64_t attention_backward_temp_bytes(const AttnDims& d, int threads) {
  return (std::max(threads - 1, 0) * 2 * d.S * d.NKV * d.HD + std::max(threads, 1) * 3 * 64 * std::max<int64_t>(d.S, 1)) * kF;
}

int64_t logsoftmax_gather_temp_bytes(int64_t T, int64_t V, int64_t chunk) {
  return std::min(chunk, std::max<int64_t>(T, 1)) * V * kF;
}

}  // namespace lathe::cpu
