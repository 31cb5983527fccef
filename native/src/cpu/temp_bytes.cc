// Sizes of the temporaries the ops allocate internally, kept next to nothing else so the memory plan has one source.
#include <algorithm>

#include "cpu/attention_internal.h"
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

// Flash path (SIMD): one workspace per thread that gets a unit (threads <= kv heads x query blocks).
static int64_t flash_threads(const AttnDims& d, int threads) {
  int64_t bq = std::max<int64_t>(1, std::min<int64_t>(detail::flash_block_rows(d.NH / std::max<int64_t>(d.NKV, 1)), d.T));
  int64_t units = d.NKV * ((d.T + bq - 1) / bq);
  return std::max<int64_t>(1, std::min<int64_t>(threads, units));
}
static int64_t flash_ws_bytes(const AttnDims& d) {
  int64_t group = d.NH / std::max<int64_t>(d.NKV, 1);
  int64_t Mp = detail::flash_rows_padded(group, std::max<int64_t>(1, std::min<int64_t>(detail::flash_block_rows(group), d.T)));
  return detail::flash_ws_floats(Mp, d.HD) * kF + detail::flash_ws_ints(Mp) * int64_t(sizeof(int32_t));
}

int64_t attention_forward_temp_bytes(const AttnDims& d, int threads) {
  if (best_isa() != Isa::scalar) return d.T > 0 ? flash_threads(d, threads) * flash_ws_bytes(d) : 0;
  return std::max(threads, 1) * 64 * std::max<int64_t>(d.S, 1) * kF;  // a (64, S) score block per thread
}

int64_t attention_backward_temp_bytes(const AttnDims& d, int threads) {
  if (best_isa() != Isa::scalar) {
    if (d.T <= 0) return 0;
    int64_t nth = flash_threads(d, threads);
    return nth * flash_ws_bytes(d) + (nth - 1) * 2 * d.S * d.NKV * d.HD * kF;  // + private dk/dv per extra thread
  }
  return (std::max(threads - 1, 0) * 2 * d.S * d.NKV * d.HD + std::max(threads, 1) * 3 * 64 * std::max<int64_t>(d.S, 1)) * kF;
}

int64_t logsoftmax_gather_temp_bytes(int64_t T, int64_t V, int64_t chunk) {
  return std::min(chunk, std::max<int64_t>(T, 1)) * V * kF;
}

}  // namespace lathe::cpu
