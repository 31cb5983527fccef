// Internal interface of the attention kernels: the FlashAttention-style per-ISA work units (attention_avx2.cc,
// attention_avx512.cc), their block sizes and workspace, and the previous GEMM-based implementation (kept as the
// scalar path and as the benchmark baseline).
#pragma once
#include <cstdint>

#include "cpu/ops.h"

namespace lathe::cpu::detail {

constexpr int64_t kFlashBK = 64;  // keys per tile

// Query rows per head in one work unit: the group's heads are stacked so group * rows ~ 64 rows share each K/V tile
// (64 measured as good as or better than 32/128/192 stacked rows at SmolLM2 sizes).
inline int64_t flash_block_rows(int64_t group) {
  int64_t r = group >= 64 ? 1 : 64 / group;
  return r >= 16 ? r / 16 * 16 : r;
}
// Stacked rows of a unit rounded up to a multiple of 16 (the widest vector).
inline int64_t flash_rows_padded(int64_t group, int64_t bq) { return (group * bq + 15) / 16 * 16; }

// Workspace of one thread, in floats and in int32s.
inline int64_t flash_ws_floats(int64_t Mp, int64_t HD) { return 5 * Mp * HD + 2 * kFlashBK * Mp + 6 * Mp; }
inline int64_t flash_ws_ints(int64_t Mp) { return 2 * Mp; }

struct FlashArgs {
  // forward
  float* out = nullptr;
  float* lse = nullptr;
  // backward (dk/dv are passed per thread: private accumulators)
  float* dq = nullptr;
  const float* dout = nullptr;
  const float* fwd_out = nullptr;
  const float* fwd_lse = nullptr;
  // inputs
  const float *q = nullptr, *k = nullptr, *v = nullptr;
  const int32_t *seg_q = nullptr, *seg_k = nullptr;
  AttnDims d{};
  int64_t bq = 0;  // query rows per head per unit (flash_block_rows)
};

// One work unit: kv head g, query rows [t0, t0 + mq) of every query head in g's group. ws/wsi: this thread's workspace.
void flash_fwd_unit_avx512(const FlashArgs& a, int64_t g, int64_t t0, int64_t mq, float* ws, int32_t* wsi);
void flash_fwd_unit_avx2(const FlashArgs& a, int64_t g, int64_t t0, int64_t mq, float* ws, int32_t* wsi);
// Backward unit: writes dq rows of the unit, accumulates (+=) into dk/dv (S, NKV*HD).
void flash_bwd_unit_avx512(const FlashArgs& a, float* dk, float* dv, int64_t g, int64_t t0, int64_t mq, float* ws,
                           int32_t* wsi);
void flash_bwd_unit_avx2(const FlashArgs& a, float* dk, float* dv, int64_t g, int64_t t0, int64_t mq, float* ws,
                         int32_t* wsi);

// The previous implementation: one head x 64 query rows per unit, (64, S) scores through the GEMM drivers, scalar
// std::exp. Exec{.isa = Isa::scalar} runs it with scalar GEMMs (the reference path); the bench runs it as baseline.
Status attention_forward_gemm(float* out, float* lse, const float* q, const float* k, const float* v,
                              const int32_t* seg_q, const int32_t* seg_k, const AttnDims& d, const Exec& ex);
Status attention_backward_gemm(float* dq, float* dk, float* dv, const float* dout, const float* out, const float* lse,
                               const float* q, const float* k, const float* v, const int32_t* seg_q,
                               const int32_t* seg_k, const AttnDims& d, const Exec& ex);

}  // namespace lathe::cpu::detail
