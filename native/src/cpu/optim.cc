// AdamW (PyTorch's formulation: decoupled decay first, bias-corrected step) and the global gradient L2 norm.
#include <cmath>
#include <vector>

#include "cpu/ops.h"

namespace lathe::cpu {

void adamw_step(float* param, float* m, float* v, const float* grad, int64_t n, const AdamW& o, float grad_scale,
                const Exec& ex) {
  const double bc1 = 1.0 - std::pow(static_cast<double>(o.beta1), static_cast<double>(o.step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(o.beta2), static_cast<double>(o.step));
  const float step_size = static_cast<float>(o.lr / bc1);
  const float bc2_sqrt = static_cast<float>(std::sqrt(bc2));
  const float decay = 1.0f - o.lr * o.weight_decay;
  const float b1 = o.beta1, b2 = o.beta2;
  auto body = [&](int64_t s, int64_t e, int) {
    for (int64_t i = s; i < e; ++i) {
      float g = grad[i] * grad_scale;
      float p = param[i] * decay;
      m[i] = b1 * m[i] + (1.0f - b1) * g;
      v[i] = b2 * v[i] + (1.0f - b2) * g * g;
      float denom = std::sqrt(v[i]) / bc2_sqrt + o.eps;
      param[i] = p - step_size * (m[i] / denom);
    }
  };
  if (ex.pool) ex.pool->parallel_for(n, body, 1 << 14);
  else body(0, n, 0);
}

double grad_norm(const BufView* bufs, int64_t n_bufs, const Exec& ex) {
  int nth = ex.pool ? ex.pool->size() : 1;
  double total = 0;
  for (int64_t b = 0; b < n_bufs; ++b) {
    const float* x = bufs[b].data;
    int64_t n = bufs[b].n;
    std::vector<double> part(nth, 0.0);
    auto body = [&](int64_t s, int64_t e, int tid) {
      double acc = 0;
      for (int64_t i = s; i < e; ++i) acc += static_cast<double>(x[i]) * x[i];
      part[tid] = acc;
    };
    if (ex.pool) ex.pool->parallel_for(n, body, 1 << 14);
    else body(0, n, 0);
    for (double p : part) total += p;
  }
  return std::sqrt(total);
}

}  // namespace lathe::cpu
