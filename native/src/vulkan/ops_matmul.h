// Vulkan GEMM and linear-layer ops (frozen f32/bf16/NF4/int8 weight + bias + LoRA), the same semantics as the CPU ops
// in cpu/ops.h with fp32 accumulation. Every op records dispatches into a Recorder; nothing runs until rec.submit().
//
// Matrices are addressed as (View, element offset): a View must start at a storage-aligned byte offset, so a row
// block inside a buffer (a chunk of tokens, a head slice) is reached through the element offset instead.
// Temporaries come from a caller-given scratch view sized by the *_scratch_floats functions (the memory plan counts
// them); an op never allocates device memory itself.
#pragma once
#include <cstdint>

#include "core/status.h"
#include "core/tensor.h"
#include "cpu/ops.h"
#include "vulkan/runtime.h"

namespace lathe::vk {

// An f32 matrix on the device: element (r, c) is at float index off + r * ld + c of view.
struct DMat {
  View view;
  uint64_t off = 0;
  int64_t ld = 0;
};

// A frozen weight W [OUT, IN] in device memory. All of its parts live in one view of 32-bit words, at the word
// offsets o0..o3 described in shaders/dequant_weight.glsl; the GEMM shaders dequantize it inside their tile loads.
struct DeviceWeight {
  DType dtype = DType::f32;
  int64_t out = 0, in = 0;
  View words;
  int64_t ld = 0;                    // f32: row stride in floats (0 = IN)
  uint32_t o0 = 0, o1 = 0, o2 = 0, o3 = 0;
  float absmax_offset = 0.f;         // nf4 double quant
  bool nf4_double_quant = false;
  // An f32 matrix already on the device (LoRA A/B, an f32 head) used as a weight, starting at float `off`.
  static DeviceWeight f32(View v, int64_t out, int64_t in, uint64_t off = 0, int64_t ld = 0);
};

// Bytes the device copy of a host weight takes (a multiple of 4).
int64_t device_weight_bytes(const cpu::WeightRef& w);
// Packs a host weight into buf at byte `offset` (storage-aligned, device_weight_bytes free) and describes it in out.
// NF4 keeps its 4-bit codes and (double-quantized) absmax as they are: 0.5 bytes per weight plus a few per block.
Status upload_weight(Buffer& buf, uint64_t offset, const cpu::WeightRef& w, DeviceWeight* out);

// C (M, N) = alpha * A (M, K) · W^T (+ C), W (N, K). Mirrors cpu::gemm_nt.
Status gemm_nt(Context& ctx, Recorder& rec, DMat C, DMat A, const DeviceWeight& W, int64_t M, float alpha,
               bool accumulate);
// C (M, N) = alpha * A (M, K) · W (+ C), W (K, N) (rows K = W.out). Mirrors cpu::gemm_nn.
Status gemm_nn(Context& ctx, Recorder& rec, DMat C, DMat A, const DeviceWeight& W, int64_t M, float alpha,
               bool accumulate);
// C (M, N) += alpha * A^T · B, A (K, M), B (K, N), all f32 (rows of stride M and N). Mirrors cpu::gemm_tn_acc.
Status gemm_tn_acc(Context& ctx, Recorder& rec, DMat C, DMat A, DMat B, int64_t K, int64_t M, int64_t N, float alpha);

// Tensor-core GEMM (shaders/gemm_coopmat_nv.comp: fp16 inputs, fp32 accumulation). Off by default: the FMA kernel
// (gemm.comp) runs everywhere. enable_coopmat_gemm() turns it on for ctx only when the device exposes
// VK_NV_cooperative_matrix with fp16 arithmetic, subgroups of 32 and the 16x16x16 fp16/fp32 shape, AND a start-up
// self-check (GEMMs with an f32 and an NF4 weight, compared with the FMA kernel within 5e-3 relative) passes;
// otherwise it returns an `unsupported` Status saying why and nothing changes. Enabled, GEMMs with M >= 32 rows use it. Call disable_coopmat_gemm() before
// destroying the context (the setting is kept per Context address).
Status enable_coopmat_gemm(Context& ctx);
bool coopmat_gemm_enabled(const Context& ctx);
void disable_coopmat_gemm(const Context& ctx);

// LoRA branch on the device (see cpu::LoraRef): A (R, IN) and B (OUT, R) f32 matrices.
struct DeviceLora {
  DMat A, B;
  int64_t r = 0;
  float scale = 0.f;
  float dropout = 0.f;
  uint64_t seed = 0;
};

// Floats of scratch matmul_forward / matmul_backward need (0 when none): drop(x) when dropout is on, u when
// lora_u is not given, and g (T, R) in the backward.
int64_t matmul_forward_scratch_floats(int64_t T, int64_t IN, const DeviceLora* lora, bool lora_u_given);
int64_t matmul_backward_scratch_floats(int64_t T, int64_t IN, const DeviceLora* lora, bool lora_u_given);

// y (T, OUT) = x (T, IN) · W^T + bias + LoRA. lora_u (T, R) saved for backward (view.buf null: scratch is used).
// bias (OUT) or a null view. Mirrors cpu::matmul_forward.
Status matmul_forward(Context& ctx, Recorder& rec, DMat y, DMat lora_u, DMat x, const DeviceWeight& w, DMat bias,
                      const DeviceLora* lora, int64_t T, DMat scratch);
// dx (T, IN) (+= when accumulate_dx; view.buf null: skipped), dA (R, IN) +=, dB (OUT, R) +=. Mirrors
// cpu::matmul_backward: never a gradient for W or bias.
Status matmul_backward(Context& ctx, Recorder& rec, DMat dx, DMat dA, DMat dB, DMat dy, DMat x, DMat lora_u,
                       const DeviceWeight& w, const DeviceLora* lora, int64_t T, bool accumulate_dx, DMat scratch);

}  // namespace lathe::vk
