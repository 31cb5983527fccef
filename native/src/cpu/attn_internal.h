// Row kernels of attention, one set per ISA (attention.cc picks the set once per call): scores, weighted sums, rank-1 updates.
#pragma once
#include <cstdint>

namespace lathe::cpu::detail {

struct AttnKernels {
  // sc[s] = scale * dot(q, k + s*ks) for s in [0, n)   (q: HD, k rows: HD at stride ks)
  void (*scores)(float* sc, const float* q, const float* k, int64_t ks, int64_t n, int64_t HD, float scale);
  // o[0:HD] += sum_s p[s] * v[s*ks : s*ks+HD]
  void (*accum)(float* o, const float* p, const float* v, int64_t ks, int64_t n, int64_t HD);
  // dst[s*ks : s*ks+HD] += c[s] * x[0:HD] for s in [0, n)
  void (*scatter)(float* dst, const float* c, const float* x, int64_t ks, int64_t n, int64_t HD);
};

AttnKernels attn_kernels_scalar();
AttnKernels attn_kernels_avx2();
AttnKernels attn_kernels_avx512();

}  // namespace lathe::cpu::detail
