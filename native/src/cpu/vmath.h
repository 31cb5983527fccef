// Vectorized math for the row-wise ops: e^x (polynomial, ~1 ulp over the float range, AVX2/AVX-512 with runtime
// dispatch) and the row kernels built on it (log-sum-exp of a logits row, SwiGLU). Isa::scalar uses std::exp.
#pragma once
#include <cstdint>

#include "cpu/ops.h"

namespace lathe::cpu {

// y[i] = e^x[i] for n values (y may equal x). -inf -> 0, overflow -> inf, NaN -> NaN, subnormal results kept.
void vexp(float* y, const float* x, int64_t n, Isa isa);
// log(sum_i e^x[i]) of one row: max pass, then e^(x - max) summed in double lanes (150k-entry vocab rows lose nothing).
// An all -inf row gives -inf.
float row_logsumexp(const float* x, int64_t n, Isa isa);
// y[i] = c * e^(x[i] - L) (the softmax-gradient row of the head: c = -g, L = lse); y may equal x.
void row_scaled_exp(float* y, const float* x, int64_t n, float L, float c, Isa isa);

namespace detail {
void vexp_avx512(float* y, const float* x, int64_t n);
void vexp_avx2(float* y, const float* x, int64_t n);
float row_logsumexp_avx512(const float* x, int64_t n);
float row_logsumexp_avx2(const float* x, int64_t n);
void row_scaled_exp_avx512(float* y, const float* x, int64_t n, float L, float c);
void row_scaled_exp_avx2(float* y, const float* x, int64_t n, float L, float c);
void swiglu_fwd_avx512(float* h, const float* g, const float* u, int64_t n);
void swiglu_fwd_avx2(float* h, const float* g, const float* u, int64_t n);
void swiglu_bwd_avx512(float* dg, float* du, const float* dh, const float* g, const float* u, int64_t n);
void swiglu_bwd_avx2(float* dg, float* du, const float* dh, const float* g, const float* u, int64_t n);
// The scalar level (std::exp; also the reference the SIMD kernels are tested against).
void vexp_scalar(float* y, const float* x, int64_t n);
float row_logsumexp_scalar(const float* x, int64_t n);
void row_scaled_exp_scalar(float* y, const float* x, int64_t n, float L, float c);
void swiglu_fwd_scalar(float* h, const float* g, const float* u, int64_t n);
void swiglu_bwd_scalar(float* dg, float* du, const float* dh, const float* g, const float* u, int64_t n);
}  // namespace detail

}  // namespace lathe::cpu
