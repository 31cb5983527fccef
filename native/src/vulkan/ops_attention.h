// Vulkan causal GQA flash attention, forward and backward, with the semantics of cpu::attention_forward/backward
// (AttnDims, q_pos0 for a KV cache, document segments, lse in natural log, zeros for a query that sees no key).
// Buffers are whole views: q/out/dq (T, NH*HD), k/v/dk/dv (S, NKV*HD), lse (NH, T), seg_q (T) / seg_k (S) int32.
#pragma once
#include <cstdint>

#include "core/status.h"
#include "cpu/ops.h"
#include "vulkan/runtime.h"

namespace lathe::vk {

// lse may be a null view (inference); seg_q and seg_k both null or both given.
Status attention_forward(Context& ctx, Recorder& rec, View out, View lse, View q, View k, View v, View seg_q,
                         View seg_k, const cpu::AttnDims& d);
// Floats of scratch attention_backward needs: D (NH, T).
int64_t attention_backward_scratch_floats(const cpu::AttnDims& d);
// dq, dk, dv overwritten; out and lse from the forward.
Status attention_backward(Context& ctx, Recorder& rec, View dq, View dk, View dv, View dout, View out, View lse, View q,
                          View k, View v, View seg_q, View seg_k, const cpu::AttnDims& d, View scratch);

}  // namespace lathe::vk
