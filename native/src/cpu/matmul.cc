// Linear layer with a frozen base weight and an optional LoRA branch, forward and backward, built on the GEMM drivers.
#include <cmath>
#include <vector>

#include "cpu/ops.h"

namespace lathe::cpu {

static inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

bool lora_keep(uint64_t seed, uint64_t idx, float p) {
  if (p <= 0.f) return true;
  uint64_t h = splitmix64(seed ^ splitmix64(idx));
  float u = static_cast<float>(h >> 40) * (1.0f / 16777216.0f);  // 24 random bits -> [0, 1)
  return u >= p;
}

namespace {

bool has_lora(const LoraRef* l) { return l && l->r > 0; }

Status check_lora(const LoraRef& l, const WeightRef& w) {
  if (!l.A || !l.B) return Status::invalid("LoRA branch without A or B");
  if (!(l.dropout >= 0.f && l.dropout < 1.f)) return Status::invalid("LoRA dropout must be in [0, 1)");
  return Status::Ok();
}

// drop(x) (T, IN) = x * keep / (1 - p); only materialised when dropout is on.
void apply_dropout(float* xd, const float* x, int64_t T, int64_t IN, const LoraRef& l, const Exec& ex) {
  float inv = 1.0f / (1.0f - l.dropout);
  auto body = [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) xd[i] = lora_keep(l.seed, static_cast<uint64_t>(i), l.dropout) ? x[i] * inv : 0.f;
  };
  if (ex.pool) ex.pool->parallel_for(T * IN, body, 4096);
  else body(0, T * IN, 0);
}

}  // namespace

Status matmul_forward(float* y, float* lora_u, const float* x, const WeightRef& w, const float* bias, const LoraRef* lora,
                      int64_t T, const Exec& ex) {
  LATHE_RETURN_IF_ERROR(gemm_nt(y, w.out, x, w.in, w, T, 1.0f, false, ex));
  if (bias) {
    for (int64_t t = 0; t < T; ++t)
      for (int64_t o = 0; o < w.out; ++o) y[t * w.out + o] += bias[o];
  }
  if (!has_lora(lora)) return Status::Ok();
  const LoraRef& l = *lora;
  LATHE_RETURN_IF_ERROR(check_lora(l, w));
  std::vector<float> xd_buf, u_buf;
  const float* xd = x;
  if (l.dropout > 0.f) {
    xd_buf.resize(T * w.in);
    apply_dropout(xd_buf.data(), x, T, w.in, l, ex);
    xd = xd_buf.data();
  }
  float* u = lora_u;
  if (!u) {
    u_buf.resize(T * l.r);
    u = u_buf.data();
  }
  LATHE_RETURN_IF_ERROR(gemm_nt(u, l.r, xd, w.in, WeightRef::from_f32(l.A, l.r, w.in), T, 1.0f, false, ex));
  return gemm_nt(y, w.out, u, l.r, WeightRef::from_f32(l.B, w.out, l.r), T, l.scale, true, ex);
}

Status matmul_backward(float* dx, float* dA, float* dB, const float* dy, const float* x, const float* lora_u,
                       const WeightRef& w, const LoraRef* lora, int64_t T, bool accumulate_dx, const Exec& ex) {
  if (dx) LATHE_RETURN_IF_ERROR(gemm_nn(dx, w.in, dy, w.out, w, T, 1.0f, accumulate_dx, ex));
  if (!has_lora(lora)) return Status::Ok();
  const LoraRef& l = *lora;
  LATHE_RETURN_IF_ERROR(check_lora(l, w));
  if (!dA || !dB) return Status::invalid("matmul_backward: LoRA branch needs dA and dB buffers");
  std::vector<float> xd_buf, u_buf, g(T * l.r);
  const float* xd = x;
  if (l.dropout > 0.f) {
    xd_buf.resize(T * w.in);
    apply_dropout(xd_buf.data(), x, T, w.in, l, ex);
    xd = xd_buf.data();
  }
  WeightRef A = WeightRef::from_f32(l.A, l.r, w.in), B = WeightRef::from_f32(l.B, w.out, l.r);
  const float* u = lora_u;
  if (!u) {
    u_buf.resize(T * l.r);
    LATHE_RETURN_IF_ERROR(gemm_nt(u_buf.data(), l.r, xd, w.in, A, T, 1.0f, false, ex));
    u = u_buf.data();
  }
  // g (T, R) = dy · B; dB += s dy^T u; dA += s g^T drop(x); dx += s drop'(g · A)
  LATHE_RETURN_IF_ERROR(gemm_nn(g.data(), l.r, dy, w.out, B, T, 1.0f, false, ex));
  gemm_tn_acc(dB, dy, u, T, w.out, l.r, l.scale, ex);
  gemm_tn_acc(dA, g.data(), xd, T, l.r, w.in, l.scale, ex);
  if (!dx) return Status::Ok();
  if (l.dropout <= 0.f) return gemm_nn(dx, w.in, g.data(), l.r, A, T, l.scale, true, ex);
  // With dropout, the gradient passes only through kept elements (scaled like the forward): reuse xd_buf as the temp.
  float* tmp = xd_buf.data();
  LATHE_RETURN_IF_ERROR(gemm_nn(tmp, w.in, g.data(), l.r, A, T, l.scale, false, ex));
  float inv = 1.0f / (1.0f - l.dropout);
  for (int64_t i = 0; i < T * w.in; ++i)
    if (lora_keep(l.seed, static_cast<uint64_t>(i), l.dropout)) dx[i] += tmp[i] * inv;
  return Status::Ok();
}

}  // namespace lathe::cpu
