// Sampling follows transformers' logits processors: repetition penalty, then temperature, top-k, top-p, min-p, then a draw.
#include "model/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

namespace lathe::model {

int32_t sample_token(std::vector<float>& logits, const std::vector<int32_t>& context, const SamplingOptions& opt, Rng& rng) {
  const int64_t V = static_cast<int64_t>(logits.size());
  if (opt.repetition_penalty != 1.0f) {
    std::unordered_set<int32_t> seen(context.begin(), context.end());
    for (int32_t t : seen) {
      if (t < 0 || t >= V) continue;
      float& l = logits[t];
      l = l > 0 ? l / opt.repetition_penalty : l * opt.repetition_penalty;
    }
  }
  if (opt.temperature <= 0.0f) {
    // Greedy: first maximum, like torch.argmax.
    return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  }
  for (float& l : logits) l /= opt.temperature;
  // Candidates sorted by logit, descending (stable: ties keep the lower id first).
  std::vector<int32_t> idx(V);
  std::iota(idx.begin(), idx.end(), 0);
  int64_t keep = V;
  if (opt.top_k > 0 && opt.top_k < V) {
    keep = opt.top_k;
    std::partial_sort(idx.begin(), idx.begin() + keep, idx.end(), [&](int32_t a, int32_t b) {
      return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
    });
  } else {
    std::stable_sort(idx.begin(), idx.end(), [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  }
  // Softmax over the kept candidates (in double for a stable cumulative sum).
  const double mx = logits[idx[0]];
  std::vector<double> p(keep);
  double sum = 0;
  for (int64_t i = 0; i < keep; ++i) sum += (p[i] = std::exp(static_cast<double>(logits[idx[i]]) - mx));
  for (auto& x : p) x /= sum;
  if (opt.top_p < 1.0f) {
    // Keep the smallest prefix whose mass reaches top_p (always at least one token).
    double cum = 0;
    int64_t n = 0;
    while (n < keep) {
      cum += p[n++];
      if (cum >= opt.top_p) break;
    }
    keep = std::max<int64_t>(1, n);
  }
  if (opt.min_p > 0.0f) {
    const double thresh = opt.min_p * p[0];
    int64_t n = 0;
    while (n < keep && p[n] >= thresh) ++n;
    keep = std::max<int64_t>(1, n);
  }
  double total = 0;
  for (int64_t i = 0; i < keep; ++i) total += p[i];
  double u = rng.uniform() * total;
  for (int64_t i = 0; i < keep; ++i) {
    u -= p[i];
    if (u < 0) return idx[i];
  }
  return idx[keep - 1];
}

}  // namespace lathe::model
