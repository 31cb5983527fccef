#version 450
// Tiled FMA GEMM, the fallback on every device: C (M, N) = alpha * A · B (+ C), fp32 accumulation.
//   A (M, K) f32, row stride lda, or with A_T its transpose stored (K, M) (gemm_tn_acc).
//   B (K, N) is the frozen weight W read through dequant_weight.glsl: B(k, n) = W[n, k] (nt: W is (N, K), the torch
//   Linear layout) or, with B_NN, B(k, n) = W[k, n] (nn: dx = dy · W).
// A 64x64 block of C per workgroup of 8x8 threads, each thread 8x8 outputs strided by 8 (conflict-free shared reads;
// 64 threads with 8x8 each measured 2-6x faster than 256 with 4x4 on lavapipe, where a barrier is costly);
// K advances in 16-wide slabs staged in shared memory. The weight slab is dequantized while it is loaded, so NF4/int8
// weights never exist in f32 beyond one 16x64 tile.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 64) in;
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

const uint BM = 64u, BN = 64u, BK = 16u, TH = 64u, R = 8u;  // R x R outputs per thread
shared float As[BK][BM + 1u];
shared float Bs[BK][BN + 1u];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint tx = tid % 8u, ty = tid / 8u;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  WDesc d = WDesc(pc.wld, pc.wcols, pc.o0, pc.o1, pc.o2, pc.o3, pc.aoff);
  float acc[R][R];
  for (uint i = 0u; i < R; ++i)
    for (uint j = 0u; j < R; ++j) acc[i][j] = 0.0;

  for (uint k0 = 0u; k0 < pc.K; k0 += BK) {
    // Stage A and B slabs; the index split keeps the contiguous dimension of each source on consecutive threads.
    for (uint i = 0u; i < BM * BK / TH; ++i) {
      uint e = tid + TH * i;
      uint m = A_T != 0u ? e % BM : e / BK;
      uint k = A_T != 0u ? e / BM : e % BK;
      uint gm = m0 + m, gk = k0 + k;
      float v = 0.0;
      if (gm < pc.M && gk < pc.K)
        v = A_T != 0u ? a[pc.a_off + gk * pc.lda + gm] : a[pc.a_off + gm * pc.lda + gk];
      As[k][m] = v;
    }
    for (uint i = 0u; i < BN * BK / TH; ++i) {
      uint e = tid + TH * i;
      uint n = B_NN != 0u ? e % BN : e / BK;
      uint k = B_NN != 0u ? e / BN : e % BK;
      uint gn = n0 + n, gk = k0 + k;
      float v = 0.0;
      if (gn < pc.N && gk < pc.K) v = B_NN != 0u ? dq_weight(d, gk, gn) : dq_weight(d, gn, gk);
      Bs[k][n] = v;
    }
    barrier();
    for (uint k = 0u; k < BK; ++k) {
      float av[R], bv[R];
      for (uint i = 0u; i < R; ++i) av[i] = As[k][ty + 8u * i];
      for (uint j = 0u; j < R; ++j) bv[j] = Bs[k][tx + 8u * j];
      for (uint i = 0u; i < R; ++i)
        for (uint j = 0u; j < R; ++j) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
    }
    barrier();
  }

  for (uint i = 0u; i < R; ++i) {
    uint gm = m0 + ty + 8u * i;
    if (gm >= pc.M) continue;
    for (uint j = 0u; j < R; ++j) {
      uint gn = n0 + tx + 8u * j;
      if (gn >= pc.N) continue;
      uint idx = pc.c_off + gm * pc.ldc + gn;
      float v = pc.alpha * acc[i][j];
      c[idx] = pc.accumulate != 0u ? c[idx] + v : v;
    }
  }
}
