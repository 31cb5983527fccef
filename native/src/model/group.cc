// Group generation (GRPO): one prompt, G completions. The prompt is prefilled once (sequence 0's KV cache), its rows
// are copied to every other member's cache, then the members decode together: one forward of G rows per token, each
// row attending to its own cache. Each member samples with its own seed, exactly as generate() would.
#include <algorithm>

#include "model/model.h"

namespace lathe::model {

namespace {

Status cancelled_status() { return Status::error(status_code::cancelled, "the operation was cancelled", ""); }

}  // namespace

Status Model::decode_batch(const int32_t* toks, int64_t B, int64_t p, bool adapter, const CancelFlag& cancel, std::vector<float>& logits) {
  const auto& c = cfg_;
  const std::vector<int32_t> pos(static_cast<size_t>(B), static_cast<int32_t>(p));
  LATHE_RETURN_IF_ERROR(cached_layers(toks, pos.data(), B, 1, p, adapter, cancel));
  be_->rmsnorm_forward(acts_.h, acts_.rstd, acts_.x, final_norm_.ptr(), B, c.hidden, static_cast<float>(c.rms_eps));
  logits.resize(static_cast<size_t>(B * c.vocab));
  for (int64_t b = 0; b < B; ++b) {
    LATHE_RETURN_IF_ERROR(be_->logits_row(acts_.logits, acts_.h + b * c.hidden, head_for(adapter)));
    LATHE_RETURN_IF_ERROR(be_->sync());
    be_->read(logits.data() + b * c.vocab, acts_.logits, c.vocab);
  }
  return be_->sync();
}

Status Model::generate_group(const std::vector<int32_t>& prompt, const GenerateOptions& opt, const std::vector<uint64_t>& seeds,
                             const CancelFlag& cancel, std::vector<std::vector<int32_t>>& out, std::vector<std::string>& finish_reasons) {
  const auto& c = cfg_;
  LATHE_RETURN_IF_ERROR(need_backend());
  const int64_t T = static_cast<int64_t>(prompt.size()), G = static_cast<int64_t>(seeds.size());
  if (G < 1 || G > 1024) return Status::invalid("a group needs 1 to 1024 members (got " + std::to_string(G) + ")", "Pass one seed per completion.");
  LATHE_RETURN_IF_ERROR(check_prompt(prompt));
  const int64_t cap = std::min<int64_t>(max_seq_len_, T + std::max<int64_t>(opt.max_new_tokens, 0));
  struct Release { Model* m; ~Release() { m->free_acts(); } } release{this};
  LATHE_RETURN_IF_ERROR(alloc_acts(std::max(T, G), cap, /*cache=*/true, /*batch=*/G));
  std::vector<float> logits;
  LATHE_RETURN_IF_ERROR(decode(prompt.data(), T, 0, opt.adapter, cancel, logits));  // sequence 0's cache
  const int64_t KVD = c.n_kv_heads * c.head_dim, stride = c.layers * cap * KVD;
  for (int64_t g = 1; g < G; ++g)
    for (int64_t l = 0; l < c.layers; ++l) {
      be_->copy(acts_.kcache + g * stride + l * cap * KVD, acts_.kcache + l * cap * KVD, T * KVD);
      be_->copy(acts_.vcache + g * stride + l * cap * KVD, acts_.vcache + l * cap * KVD, T * KVD);
    }
  out.assign(static_cast<size_t>(G), {});
  finish_reasons.assign(static_cast<size_t>(G), "length");
  std::vector<std::vector<int32_t>> context(static_cast<size_t>(G), prompt);
  std::vector<Rng> rngs;
  for (uint64_t s : seeds) rngs.emplace_back(s);
  std::vector<char> active(static_cast<size_t>(G), 1);
  std::vector<int32_t> last(static_cast<size_t>(G), prompt.back());
  std::vector<float> row(static_cast<size_t>(c.vocab));
  int64_t p = T;
  for (int64_t i = 0; i < opt.max_new_tokens; ++i) {
    if (cancel && cancel->load()) return cancelled_status();
    bool any = false;
    for (int64_t g = 0; g < G; ++g) {
      if (!active[g]) continue;
      // Step 0 samples everyone from the prompt's logits; later steps from the member's own row.
      const float* src = i == 0 ? logits.data() : logits.data() + g * c.vocab;
      row.assign(src, src + c.vocab);
      SamplingOptions s = opt.sampling;
      s.seed = seeds[g];
      const int32_t tok = sample_token(row, context[g], s, rngs[g]);
      out[g].push_back(tok);
      context[g].push_back(tok);
      last[g] = tok;
      if (std::find(opt.stop.begin(), opt.stop.end(), tok) != opt.stop.end()) { finish_reasons[g] = "stop"; active[g] = 0; continue; }
      if (i + 1 >= opt.max_new_tokens) { active[g] = 0; continue; }
      if (p >= cap) { finish_reasons[g] = "context"; active[g] = 0; continue; }
      any = true;
    }
    if (!any) break;
    LATHE_RETURN_IF_ERROR(decode_batch(last.data(), G, p, opt.adapter, cancel, logits));
    ++p;
  }
  return Status::Ok();
}

}  // namespace lathe::model
