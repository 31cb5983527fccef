// Output head + log-softmax gather in token chunks (never a (T, V) buffer), single-row logits, and embedding lookup.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cpu/ops.h"
#include "cpu/vmath.h"

namespace lathe::cpu {

namespace {

Status check_head(const WeightRef& head, const int32_t* target, int64_t T) {
  LATHE_RETURN_IF_ERROR(validate(head));
  if (head.dtype != DType::f32 && head.dtype != DType::bf16)
    return Status::error(status_code::unsupported, "output head must be f32 or bf16");
  for (int64_t t = 0; t < T; ++t)
    if (target[t] < -1 || target[t] >= head.out)
      return Status::invalid("target id " + std::to_string(target[t]) + " at position " + std::to_string(t) +
                                 " is outside the vocabulary (" + std::to_string(head.out) + " tokens)",
                             "Check that the tokenizer matches the model");
  return Status::Ok();
}

template <class F>
void rows(const Exec& ex, int64_t n, F&& body) {
  if (ex.pool && ex.pool->size() > 1) ex.pool->parallel_for(n, [&](int64_t b, int64_t e, int) { body(b, e); }, 1);
  else body(0, n);
}

}  // namespace

Status logsoftmax_gather_forward(float* logp, float* lse, const float* h, const WeightRef& head, const int32_t* target,
                                 int64_t T, int64_t chunk, float* scratch, const Exec& ex) {
  LATHE_RETURN_IF_ERROR(check_head(head, target, T));
  if (chunk <= 0) return Status::invalid("logsoftmax_gather: chunk must be positive");
  const int64_t V = head.out, C = head.in;
  chunk = std::min(chunk, std::max<int64_t>(T, 1));
  std::vector<float> own;
  if (!scratch) {
    own.resize(chunk * V);
    scratch = own.data();
  }
  for (int64_t t0 = 0; t0 < T; t0 += chunk) {
    int64_t n = std::min(chunk, T - t0);
    LATHE_RETURN_IF_ERROR(gemm_nt(scratch, V, h + t0 * C, C, head, n, 1.0f, false, ex));
    rows(ex, n, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const float* l = scratch + i * V;
        float L = row_logsumexp(l, V, ex.isa);
        if (lse) lse[t0 + i] = L;
        int32_t tg = target[t0 + i];
        logp[t0 + i] = tg < 0 ? 0.f : l[tg] - L;
      }
    });
  }
  return Status::Ok();
}

Status logsoftmax_gather_backward(float* dh, const float* g, const float* h, const WeightRef& head,
                                  const int32_t* target, const float* lse, int64_t T, int64_t chunk, float* scratch,
                                  bool accumulate, const Exec& ex, float* dhead) {
  LATHE_RETURN_IF_ERROR(check_head(head, target, T));
  if (chunk <= 0) return Status::invalid("logsoftmax_gather: chunk must be positive");
  const int64_t V = head.out, C = head.in;
  chunk = std::min(chunk, std::max<int64_t>(T, 1));
  std::vector<float> own;
  if (!scratch) {
    own.resize(chunk * V);
    scratch = own.data();
  }
  for (int64_t t0 = 0; t0 < T; t0 += chunk) {
    int64_t n = std::min(chunk, T - t0);
    LATHE_RETURN_IF_ERROR(gemm_nt(scratch, V, h + t0 * C, C, head, n, 1.0f, false, ex));
    // G (n, V) = g_t (onehot(target) - softmax): overwrite the logits in place.
    rows(ex, n, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        float* l = scratch + i * V;
        int32_t tg = target[t0 + i];
        float gt = g[t0 + i];
        if (tg < 0 || gt == 0.f) {
          std::fill(l, l + V, 0.f);
          continue;
        }
        float L = lse ? lse[t0 + i] : row_logsumexp(l, V, ex.isa);
        row_scaled_exp(l, l, V, L, -gt, ex.isa);
        l[tg] += gt;
      }
    });
    LATHE_RETURN_IF_ERROR(gemm_nn(dh + t0 * C, C, scratch, V, head, n, 1.0f, accumulate, ex));
    // A trainable head (f32): dW (V, C) += G^T h, from the same G the input gradient used.
    if (dhead) gemm_tn_acc(dhead, scratch, h + t0 * C, n, V, C, 1.0f, ex);
  }
  return Status::Ok();
}

Status logits_row(float* logits, const float* h, const WeightRef& head, const Exec& ex) {
  LATHE_RETURN_IF_ERROR(validate(head));
  return gemm_nt(logits, head.out, h, head.in, head, 1, 1.0f, false, ex);
}

Status embedding_forward(float* out, const int32_t* ids, const WeightRef& table, int64_t T, const Exec& ex) {
  LATHE_RETURN_IF_ERROR(validate(table));
  if (table.dtype != DType::f32 && table.dtype != DType::bf16)
    return Status::error(status_code::unsupported, "embedding table must be f32 or bf16");
  for (int64_t t = 0; t < T; ++t)
    if (ids[t] < 0 || ids[t] >= table.out)
      return Status::invalid("token id " + std::to_string(ids[t]) + " at position " + std::to_string(t) +
                                 " is outside the vocabulary (" + std::to_string(table.out) + " tokens)",
                             "Check that the tokenizer matches the model");
  rows(ex, T, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) weight_row(out + t * table.in, table, ids[t], 0, table.in);
  });
  return Status::Ok();
}

Status embedding_backward(float* dtable, const float* dout, const int32_t* ids, int64_t T, int64_t V, int64_t C) {
  for (int64_t t = 0; t < T; ++t) {
    if (ids[t] < 0 || ids[t] >= V) return Status::invalid("embedding_backward: token id out of range");
    float* row = dtable + static_cast<int64_t>(ids[t]) * C;
    for (int64_t c = 0; c < C; ++c) row[c] += dout[t * C + c];
  }
  return Status::Ok();
}

}  // namespace lathe::cpu
