#version 450
// LoRA input dropout, forward and backward with the one mask of matmul_lora_keep.glsl (nothing stored):
//   MODE 0: y[i] = keep(i) ? x[i] * inv : 0        (drop(x) for u = drop(x) · A^T and dA)
//   MODE 1: y[i] += keep(i) ? x[i] * inv : 0       (dx += drop'(g · A) in the backward)
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint MODE = 0u;
layout(binding = 0) buffer Yb { float y[]; };
layout(binding = 1) readonly buffer Xb { float x[]; };
layout(push_constant) uniform PC {
  uint n, seed_lo, seed_hi;
  float p, inv;
  uint y_off, x_off;
} pc;
#include "matmul_lora_keep.glsl"

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= pc.n) return;
  float v = lora_keep(uvec2(pc.seed_lo, pc.seed_hi), i, pc.p) ? x[pc.x_off + i] * pc.inv : 0.0;
  if (MODE == 0u) y[pc.y_off + i] = v;
  else y[pc.y_off + i] += v;
}
