// Vulkan output head: log-softmax gather over the vocabulary in chunks of tokens (never a (T, V) buffer, at most
// (chunk, V) of scratch), forward and backward, and single-row logits for generation. Semantics of
// cpu::logsoftmax_gather_forward/backward and cpu::logits_row; the head is an f32 or bf16 DeviceWeight (V, C).
// Buffers: h / dh (T, C) as DMat, target (T) int32 (-1 = no target), logp / lse / g (T) f32 views.
#pragma once
#include <cstdint>

#include "core/status.h"
#include "vulkan/ops_matmul.h"

namespace lathe::vk {

// The targets the device will read, checked on the host before upload: ids in [-1, V) with the position of the first
// bad one (the device kernels cannot report it).
Status validate_targets(const int32_t* target, int64_t T, int64_t V);
// Floats of scratch the two ops need: min(chunk, T) * V.
int64_t logsoftmax_gather_scratch_floats(int64_t T, int64_t V, int64_t chunk);

// logp (T) = log softmax(h W^T)[target]; lse (T) saved for backward (null view: not written).
Status logsoftmax_gather_forward(Context& ctx, Recorder& rec, View logp, View lse, DMat h, const DeviceWeight& head,
                                 View target, int64_t T, int64_t chunk, View scratch);
// dh (T, C) = g[t] (W[target] - softmax(h W^T) · W) (+= when accumulate); lse from the forward (null: recomputed).
// dhead (V, C) f32, when given (a trainable head): += G^T h, with the same G (no second softmax).
Status logsoftmax_gather_backward(Context& ctx, Recorder& rec, DMat dh, View g, DMat h, const DeviceWeight& head,
                                  View target, View lse, int64_t T, int64_t chunk, View scratch, bool accumulate,
                                  DMat dhead = {});
// logits (V) = h (C) · W^T for one position.
Status logits_row(Context& ctx, Recorder& rec, DMat logits, DMat h, const DeviceWeight& head);

}  // namespace lathe::vk
