// The one place where a SIMD level picks CPU kernels: a table of the ISA-specific kernels per level. The requested
// level is clamped to best_isa() here and nowhere else; the op front doors (gemm.cc, attention.cc, norm_rope.cc,
// vmath.cc) look their kernels up in it, and the CPU backend fixes the level once in its Exec.
#pragma once
#include <cstdint>

#include "cpu/attention_internal.h"
#include "cpu/gemm_internal.h"

namespace lathe::cpu {

struct Kernels {
  Isa isa = Isa::scalar;  // the level these kernels run (the request, clamped)
  void (*gemm_nt)(const detail::GemmTask&) = nullptr;
  void (*gemm_nn)(const detail::GemmTask&) = nullptr;
  void (*gemm_tn)(float* C, const float* A, const float* B, int64_t K, int64_t M, int64_t N, int64_t n0, int64_t n1,
                  float alpha) = nullptr;
  // FlashAttention work units; null on the scalar level, which runs the GEMM-based reference instead.
  void (*flash_fwd)(const detail::FlashArgs&, int64_t g, int64_t t0, int64_t mq, float* ws, int32_t* wsi) = nullptr;
  void (*flash_bwd)(const detail::FlashArgs&, float* dk, float* dv, int64_t g, int64_t t0, int64_t mq, float* ws,
                    int32_t* wsi) = nullptr;
  // Row kernels (vmath.h); the scalar level uses std::exp loops.
  void (*vexp)(float* y, const float* x, int64_t n) = nullptr;
  float (*row_logsumexp)(const float* x, int64_t n) = nullptr;
  void (*row_scaled_exp)(float* y, const float* x, int64_t n, float L, float c) = nullptr;
  void (*swiglu_fwd)(float* h, const float* g, const float* u, int64_t n) = nullptr;
  void (*swiglu_bwd)(float* dg, float* du, const float* dh, const float* g, const float* u, int64_t n) = nullptr;
};

// The kernel table for a requested level (clamped to what this CPU supports; built once per level).
const Kernels& kernels(Isa want);

}  // namespace lathe::cpu
