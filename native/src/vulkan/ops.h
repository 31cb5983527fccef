// The Vulkan op table, part 1: elementwise, RMSNorm, RoPE, SwiGLU, embedding and optimizer ops. Same semantics and
// argument order as cpu/ops.h (outputs first, then saved tensors, inputs, sizes), with device views instead of host
// pointers and a Context + Recorder first: each op only records dispatches; nothing runs until rec.submit().
// GEMM, linear layers, attention and log-softmax are in ops_matmul.h (and the headers next to it).
//
// Views: f32 tensors are View{buffer, byte offset, bytes}; offsets must be multiples of ctx.storage_align() (carve
// at 256 bytes). An optional tensor (nullptr on the CPU) is an empty View{}. Sizes are checked against the views and
// must fit in 32 bits of elements per op. Accumulation is fp32 everywhere; reductions use trees or row lanes, so
// results equal the CPU's up to rounding (tolerances in docs/vulkan.md), except embedding_backward, which adds in the
// CPU's order. Every op is deterministic: no atomics, fixed reduction orders.
#pragma once
#include <cstdint>

#include "core/status.h"
#include "core/tensor.h"
#include "cpu/ops.h"
#include "vulkan/runtime.h"

namespace lathe::vk {

// ---------------------------------------------------------------------------------------------------------------
// Elementwise (n floats)
Status add(Context& ctx, Recorder& rec, View y, View a, View b, int64_t n);  // y = a + b (y may alias a or b)
Status add_inplace(Context& ctx, Recorder& rec, View y, View a, int64_t n);  // y += a
Status scale(Context& ctx, Recorder& rec, View y, float s, int64_t n);       // y *= s
Status fill(Context& ctx, Recorder& rec, View y, float v, int64_t n);        // y = v (a transfer fill, no shader)

// ---------------------------------------------------------------------------------------------------------------
// RMSNorm over rows: y (N, C) = w (C) * (x * rstd), rstd (N) optional (View{} = not saved).
Status rmsnorm_forward(Context& ctx, Recorder& rec, View y, View rstd, View x, View w, int64_t N, int64_t C, float eps);
// dx (N, C) overwritten, or += when accumulate; optional. dw (C) accumulates (+=); optional.
Status rmsnorm_backward(Context& ctx, Recorder& rec, View dx, View dw, View dy, View x, View w, View rstd, int64_t N,
                        int64_t C, bool accumulate);

// ---------------------------------------------------------------------------------------------------------------
// RoPE (rotate-half) with per-token positions pos (T int32, on the device) into the cos/sin tables (P, HD/2) that
// cpu::rope_table builds (upload them once). y may equal x. The shader cannot fail, so positions are checked on the
// host where they are made: call check_positions before uploading them (a bad one writes zeros, never reads outside).
Status check_positions(const int32_t* pos, int64_t T, int64_t P);
Status rope_forward(Context& ctx, Recorder& rec, View y, View x, View pos, View cos, View sin, int64_t T, int64_t NHX,
                    int64_t HD, int64_t P);
Status rope_backward(Context& ctx, Recorder& rec, View dx, View dy, View pos, View cos, View sin, int64_t T,
                     int64_t NHX, int64_t HD, int64_t P);

// ---------------------------------------------------------------------------------------------------------------
// SwiGLU: h (N) = silu(g) * u; backward overwrites dg, du.
Status swiglu_forward(Context& ctx, Recorder& rec, View h, View g, View u, int64_t N);
Status swiglu_backward(Context& ctx, Recorder& rec, View dg, View du, View dh, View g, View u, int64_t N);

// ---------------------------------------------------------------------------------------------------------------
// Embedding: out (T, C) = table[ids[t]]; table (V, C) is f32, or bf16 stored as raw uint16 (two per word, V*C*2 bytes
// rounded up to 4). ids (T int32) are checked on the host with check_ids before upload (a bad id writes zeros).
Status check_ids(const int32_t* ids, int64_t T, int64_t V);
Status embedding_forward(Context& ctx, Recorder& rec, View out, View ids, View table, DType dtype, int64_t T, int64_t V,
                         int64_t C);
// dtable (V, C) += dout rows, in token order (bit-identical to the CPU).
Status embedding_backward(Context& ctx, Recorder& rec, View dtable, View dout, View ids, int64_t T, int64_t V, int64_t C);

// ---------------------------------------------------------------------------------------------------------------
// Optimizer
// One AdamW update of n params (cpu::adamw_step): host-side constants are computed exactly as the CPU does.
Status adamw_step(Context& ctx, Recorder& rec, View param, View m, View v, View grad, int64_t n, const cpu::AdamW& opt,
                  float grad_scale);

// A device f32 buffer of n values (the device counterpart of cpu::BufView).
struct DBuf {
  View view;
  int64_t n = 0;
};
// Floats of scratch grad_norm needs: one partial per 4096 values of each buffer.
int64_t grad_norm_scratch_floats(const DBuf* bufs, int64_t n_bufs);
// Global L2 norm over several buffers (cpu::grad_norm): per-workgroup fp32 partials on the device, summed in double
// on the host. Records into rec, then SUBMITS rec (with everything recorded before) and waits, since the caller
// needs the number (to skip a NaN step, clip, and log it). scratch: grad_norm_scratch_floats floats.
Status grad_norm(Context& ctx, Recorder& rec, const DBuf* bufs, int64_t n_bufs, View scratch, double* out);

}  // namespace lathe::vk
