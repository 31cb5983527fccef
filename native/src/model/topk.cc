// Per-position top-k next tokens (the Learn page's next-token demo): the scoring forward of logprobs(), then one
// logits row per position on the backend and the softmax / selection on the host, in double precision.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "model/model.h"

namespace lathe::model {

Status Model::topk(int32_t* top_ids, float* top_logp, float* target_logp, const int32_t* ids, int64_t T, int64_t k,
                   bool adapter, const CancelFlag& cancel) {
  const auto& c = cfg_;
  LATHE_RETURN_IF_ERROR(check_score_input(ids, 1, T));
  if (T < 2) return Status::invalid("topk needs at least 2 tokens (one to read, one to predict)", "Pass a longer text.");
  if (k < 1 || k > c.vocab) return Status::invalid("topk: k must be in [1, vocab]");
  struct Release { Model* m; ~Release() { m->free_acts(); } } release{this};
  LATHE_RETURN_IF_ERROR(score_hidden(ids, 1, T, adapter, cancel));
  std::vector<float> row(static_cast<size_t>(c.vocab));
  std::vector<int32_t> order(static_cast<size_t>(c.vocab));
  for (int64_t t = 0; t + 1 < T; ++t) {
    if (cancel && cancel->load()) return Status::error(status_code::cancelled, "the operation was cancelled", "");
    // acts_.logits holds at least one vocab row (the scoring chunk is >= 1 row).
    LATHE_RETURN_IF_ERROR(be_->logits_row(acts_.logits, acts_.h + t * c.hidden, head_for(adapter)));
    LATHE_RETURN_IF_ERROR(be_->sync());
    be_->read(row.data(), acts_.logits, c.vocab);
    double mx = -INFINITY;
    for (float v : row) mx = std::max(mx, static_cast<double>(v));
    double sum = 0;
    for (float v : row) sum += std::exp(static_cast<double>(v) - mx);
    const double lse = mx + std::log(sum);
    std::iota(order.begin(), order.end(), 0);
    // Ties break by the lower id so the order is deterministic across backends.
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
      return row[a] > row[b] || (row[a] == row[b] && a < b);
    });
    for (int64_t j = 0; j < k; ++j) {
      top_ids[t * k + j] = order[j];
      top_logp[t * k + j] = static_cast<float>(row[order[j]] - lse);
    }
    target_logp[t] = static_cast<float>(row[ids[t + 1]] - lse);
  }
  return Status::Ok();
}

}  // namespace lathe::model
