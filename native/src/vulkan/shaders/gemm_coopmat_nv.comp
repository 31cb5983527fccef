#version 450
// Tensor-core GEMM through VK_NV_cooperative_matrix: the same contract, push constants and specialization constants
// as gemm.comp (C = alpha · A · B (+C), B the frozen weight dequantized in the tile load), but the 16-wide K slabs are
// staged in shared memory as fp16 and multiplied by 16x16x16 cooperative matrices with fp32 accumulation.
// Workgroup: 4 subgroups of 32 (NVIDIA), a 64x64 block of C, each subgroup a 32x32 quarter (2x2 matrices).
// fp16 inputs lose precision (~1e-3 relative), so ops_matmul.cc selects this kernel only after a start-up
// self-check against gemm.comp passes on the device, and never on devices without the extension (lavapipe).
#extension GL_GOOGLE_include_directive : require
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require

layout(local_size_x = 128) in;
layout(constant_id = 0) const uint DTYPE = 0u;
layout(constant_id = 1) const uint B_NN = 0u;
layout(constant_id = 2) const uint A_T = 0u;
layout(constant_id = 3) const uint NF4_DQ = 0u;

layout(binding = 0) buffer Cb { float c[]; };
layout(binding = 1) readonly buffer Ab { float a[]; };
layout(binding = 2) readonly buffer Wb { uint w[]; };

layout(push_constant) uniform PC {
  uint M, N, K;
  uint lda, ldc, a_off, c_off;
  uint wld, wcols, o0, o1, o2, o3;
  float aoff, alpha;
  uint accumulate;
} pc;

#include "dequant_weight.glsl"

const uint BM = 64u, BN = 64u, BK = 16u;
shared float16_t As[BM * BK];  // row-major (m, k)
shared float16_t Bs[BK * BN];  // row-major (k, n)
shared float Cs[BM * BN];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint sg = tid / 32u;                       // subgroup index (size 32 on every NV_cooperative_matrix device)
  const uint sm = (sg / 2u) * 32u, sn = (sg % 2u) * 32u;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  WDesc d = WDesc(pc.wld, pc.wcols, pc.o0, pc.o1, pc.o2, pc.o3, pc.aoff);

  fcoopmatNV<32, gl_ScopeSubgroup, 16, 16> acc[2][2];
  for (uint i = 0u; i < 2u; ++i)
    for (uint j = 0u; j < 2u; ++j) acc[i][j] = fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>(0.0);

  for (uint k0 = 0u; k0 < pc.K; k0 += BK) {
    for (uint e = tid; e < BM * BK; e += 128u) {
      uint m = A_T != 0u ? e % BM : e / BK;
      uint k = A_T != 0u ? e / BM : e % BK;
      uint gm = m0 + m, gk = k0 + k;
      float v = 0.0;
      if (gm < pc.M && gk < pc.K)
        v = A_T != 0u ? a[pc.a_off + gk * pc.lda + gm] : a[pc.a_off + gm * pc.lda + gk];
      As[m * BK + k] = float16_t(v);
    }
    for (uint e = tid; e < BK * BN; e += 128u) {
      uint n = B_NN != 0u ? e % BN : e / BK;
      uint k = B_NN != 0u ? e / BN : e % BK;
      uint gn = n0 + n, gk = k0 + k;
      float v = 0.0;
      if (gn < pc.N && gk < pc.K) v = B_NN != 0u ? dq_weight(d, gk, gn) : dq_weight(d, gn, gk);
      Bs[k * BN + n] = float16_t(v);
    }
    barrier();
    fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> fa[2], fb[2];
    for (uint i = 0u; i < 2u; ++i) coopMatLoadNV(fa[i], As, (sm + 16u * i) * BK, BK, false);
    for (uint j = 0u; j < 2u; ++j) coopMatLoadNV(fb[j], Bs, sn + 16u * j, BN, false);
    for (uint i = 0u; i < 2u; ++i)
      for (uint j = 0u; j < 2u; ++j) acc[i][j] = coopMatMulAddNV(fa[i], fb[j], acc[i][j]);
    barrier();
  }
  for (uint i = 0u; i < 2u; ++i)
    for (uint j = 0u; j < 2u; ++j) coopMatStoreNV(acc[i][j], Cs, (sm + 16u * i) * BN + sn + 16u * j, BN, false);
  barrier();
  for (uint e = tid; e < BM * BN; e += 128u) {
    uint gm = m0 + e / BN, gn = n0 + e % BN;
    if (gm >= pc.M || gn >= pc.N) continue;
    uint idx = pc.c_off + gm * pc.ldc + gn;
    float v = pc.alpha * Cs[e];
    c[idx] = pc.accumulate != 0u ? c[idx] + v : v;
  }
}
