// Next-token selection from logits: greedy, or sampled with repetition penalty, temperature, top-k, top-p, min-p (HF order).
#pragma once
#include <cstdint>
#include <vector>

namespace lathe::model {

struct SamplingOptions {
  float temperature = 0.0f;        // 0 = greedy (argmax)
  int top_k = 0;                   // 0 = off
  float top_p = 1.0f;              // 1 = off
  float min_p = 0.0f;              // 0 = off
  float repetition_penalty = 1.0f; // 1 = off; applied to every token already in the context (prompt + generated)
  uint64_t seed = 0;
};

// Deterministic, platform-independent generator (splitmix64), so a seed gives the same samples everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : s_(seed) {}
  uint64_t next_u64() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  uint64_t state() const { return s_; }
  void set_state(uint64_t s) { s_ = s; }

 private:
  uint64_t s_;
};

// Picks the next token. `logits` [V] is modified in place (penalties, temperature). `context` = tokens so far.
int32_t sample_token(std::vector<float>& logits, const std::vector<int32_t>& context, const SamplingOptions& opt, Rng& rng);

}  // namespace lathe::model
