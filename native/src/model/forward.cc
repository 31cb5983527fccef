// Forward orchestration: embedding → L × the one decoder layer (layer.cc) → final norm → chunked log-softmax gather
// or last-row logits. Buffers are (N, ·) with N = B*T rows, carved from the inference buffer table (buffers.cc).
#include <algorithm>
#include <cmath>

#include "model/model.h"

namespace lathe::model {

namespace {

Status cancelled_status() { return Status::error(status_code::cancelled, "the operation was cancelled", ""); }

}  // namespace

int64_t Model::max_lora_rank() const {
  int64_t r = 0;
  for (int64_t l = 0; l < cfg_.layers; ++l)
    for (int m = 0; m < static_cast<int>(Module::count); ++m) {
      int64_t rm, pm;
      lora_dims(l, m, rm, pm);
      r = std::max(r, rm);
    }
  return r;
}

Status Model::need_backend() const {
  if (!be_) return Status::error("not_loaded", "the model is not loaded (only inspected)", "Load the model before running it.");
  return Status::Ok();
}

InferDims Model::infer_dims(int64_t N, int64_t P, bool cache, int64_t batch) const {
  InferDims d;
  d.N = N;
  d.P = P;
  d.cache = cache;
  d.batch = batch;
  d.chunk = logits_chunk(N, cfg_.vocab);
  d.max_rank = max_lora_rank();
  return d;
}

MemoryPlan Model::plan(int64_t B, int64_t T, bool generate, int64_t prompt_len) const {
  MemoryPlan p;
  p.weights = planned_weight_bytes();
  for (int64_t l = 0; l < cfg_.layers; ++l)
    for (int m = 0; m < static_cast<int>(Module::count); ++m) {
      int64_t rm, pm;
      lora_dims(l, m, rm, pm);
      p.lora += 4 * pm;
    }
  p.lora += 4 * table_params();
  // Generation: prompt_len (default T) rows of prefill, a RoPE table and KV cache of T positions; with B > 1 a group
  // (generate_group): B caches, and B rows per decoding step.
  const int64_t N = generate ? std::max(prompt_len > 0 ? prompt_len : T, B) : B * T;
  const ArenaBytes a = infer_bytes(cfg_, infer_dims(N, T, generate, generate ? B : 1));
  p.activations = a[static_cast<int>(ArenaKind::activations)];
  p.scratch = a[static_cast<int>(ArenaKind::scratch)] + planned_device_scratch(N, T, /*train=*/false);
  p.kv_cache = a[static_cast<int>(ArenaKind::kv_cache)];
  return p;
}

Status Model::alloc_acts(int64_t N, int64_t P, bool cache, int64_t batch) {
  acts_dims_ = infer_dims(N, P, cache, batch);
  LATHE_RETURN_IF_ERROR(acts_mem_.alloc_infer(be_.get(), &tracker_, cfg_, acts_dims_, acts_));
  be_->rope_table(acts_.cos, acts_.sin, inv_freq_.data(), cfg_.head_dim, P);
  return Status::Ok();
}

void Model::free_acts() {
  acts_mem_.release();
  acts_ = InferBufs{};
}

Status Model::check_score_input(const int32_t* ids, int64_t B, int64_t T) const {
  const auto& c = cfg_;
  LATHE_RETURN_IF_ERROR(need_backend());
  if (B < 1 || T < 1) return Status::invalid("logprobs needs at least one row of at least one token");
  if (T > max_seq_len_)
    return Status::error("sequence_too_long", "the sequence has " + std::to_string(T) + " tokens but the model was loaded with maxSeqLen " + std::to_string(max_seq_len_),
                         "Load the model with a larger maxSeqLen or shorten the input.");
  for (int64_t i = 0; i < B * T; ++i)
    if (ids[i] < 0 || ids[i] >= c.vocab)
      return Status::error("token_out_of_range", "token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) + " is outside the vocabulary [0, " + std::to_string(c.vocab) + ")",
                           "Use ids from this model's tokenizer.");
  return Status::Ok();
}

Status Model::score_hidden(const int32_t* ids, int64_t B, int64_t T, bool adapter, const CancelFlag& cancel) {
  const auto& c = cfg_;
  const int64_t N = B * T;
  LATHE_RETURN_IF_ERROR(alloc_acts(N, T, /*cache=*/false));
  std::vector<int32_t> pos(static_cast<size_t>(N)), targets(static_cast<size_t>(N));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) {
      pos[b * T + t] = static_cast<int32_t>(t);
      targets[b * T + t] = t + 1 < T ? ids[b * T + t + 1] : -1;
    }
  be_->write(acts_.ids, ids, N);
  be_->write(acts_.pos, pos.data(), N);
  be_->write(acts_.targets, targets.data(), N);
  LATHE_RETURN_IF_ERROR(be_->embedding_forward(acts_.x, acts_.ids, embed_for(adapter), N));
  LayerCall call;
  call.B = B;
  call.T = T;
  call.xin = call.xout = acts_.x;
  call.pos = acts_.pos;
  call.cos = acts_.cos;
  call.sin = acts_.sin;
  call.P = T;
  call.adapter = adapter;
  for (int64_t l = 0; l < c.layers; ++l) {
    if (cancel && cancel->load()) return cancelled_status();
    LATHE_RETURN_IF_ERROR(layer_forward(l, call, acts_.layer));
  }
  if (cancel && cancel->load()) return cancelled_status();
  be_->rmsnorm_forward(acts_.h, acts_.rstd, acts_.x, final_norm_.ptr(), N, c.hidden, static_cast<float>(c.rms_eps));
  return Status::Ok();
}

Status Model::logprobs(float* logp, const int32_t* ids, int64_t B, int64_t T, bool adapter, const CancelFlag& cancel) {
  LATHE_RETURN_IF_ERROR(check_score_input(ids, B, T));
  const int64_t N = B * T;
  struct Release { Model* m; ~Release() { m->free_acts(); } } release{this};
  LATHE_RETURN_IF_ERROR(score_hidden(ids, B, T, adapter, cancel));
  LATHE_RETURN_IF_ERROR(be_->logsoftmax_gather_forward(acts_.logp, DPtr<float>{}, acts_.h, head_for(adapter), acts_.targets, N,
                                                       acts_dims_.chunk, acts_.logits));
  LATHE_RETURN_IF_ERROR(be_->sync());  // a device backend runs the recorded ops here and reports their errors
  std::vector<float> all(static_cast<size_t>(N));
  be_->read(all.data(), acts_.logp, N);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t + 1 < T; ++t) logp[b * (T - 1) + t] = all[b * T + t];
  return Status::Ok();
}

Status Model::cached_layers(const int32_t* toks, const int32_t* pos, int64_t B, int64_t T, int64_t p0, bool adapter,
                            const CancelFlag& cancel) {
  const int64_t N = B * T;
  be_->write(acts_.pos, pos, N);
  be_->write(acts_.ids, toks, N);
  LATHE_RETURN_IF_ERROR(be_->embedding_forward(acts_.x, acts_.ids, embed_for(adapter), N));
  LayerCall call;
  call.B = B;
  call.T = T;
  call.xin = call.xout = acts_.x;
  call.pos = acts_.pos;
  call.cos = acts_.cos;
  call.sin = acts_.sin;
  call.P = acts_dims_.P;
  call.cache = true;
  call.p0 = p0;
  call.cache_rows = acts_dims_.P;
  call.kcache = acts_.kcache;
  call.vcache = acts_.vcache;
  call.adapter = adapter;
  for (int64_t l = 0; l < cfg_.layers; ++l) {
    if (cancel && cancel->load()) return cancelled_status();
    LATHE_RETURN_IF_ERROR(layer_forward(l, call, acts_.layer));
  }
  return Status::Ok();
}

Status Model::decode(const int32_t* toks, int64_t T, int64_t p0, bool adapter, const CancelFlag& cancel, std::vector<float>& logits) {
  const auto& c = cfg_;
  std::vector<int32_t> pos(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) pos[t] = static_cast<int32_t>(p0 + t);
  LATHE_RETURN_IF_ERROR(cached_layers(toks, pos.data(), 1, T, p0, adapter, cancel));
  const DPtr<float> last = acts_.x + (T - 1) * c.hidden;
  be_->rmsnorm_forward(acts_.h, acts_.rstd, last, final_norm_.ptr(), 1, c.hidden, static_cast<float>(c.rms_eps));
  LATHE_RETURN_IF_ERROR(be_->logits_row(acts_.logits, acts_.h, head_for(adapter)));
  LATHE_RETURN_IF_ERROR(be_->sync());
  logits.resize(static_cast<size_t>(c.vocab));
  be_->read(logits.data(), acts_.logits, c.vocab);
  return be_->sync();
}

Status Model::check_prompt(const std::vector<int32_t>& prompt) const {
  const int64_t T = static_cast<int64_t>(prompt.size());
  if (T < 1) return Status::invalid("generate needs a prompt of at least one token", "Pass a non-empty prompt.");
  for (int64_t i = 0; i < T; ++i)
    if (prompt[i] < 0 || prompt[i] >= cfg_.vocab)
      return Status::error("token_out_of_range", "prompt token id " + std::to_string(prompt[i]) + " at position " + std::to_string(i) + " is outside the vocabulary [0, " + std::to_string(cfg_.vocab) + ")",
                           "Use ids from this model's tokenizer.");
  if (T >= max_seq_len_)
    return Status::error("sequence_too_long", "the prompt has " + std::to_string(T) + " tokens; maxSeqLen is " + std::to_string(max_seq_len_),
                         "Load the model with a larger maxSeqLen or shorten the prompt.");
  return Status::Ok();
}

Status Model::generate(const std::vector<int32_t>& prompt, const GenerateOptions& opt, const CancelFlag& cancel,
                       const std::function<bool(int32_t)>& on_token, std::vector<int32_t>& out, std::string& finish_reason) {
  LATHE_RETURN_IF_ERROR(need_backend());
  out.clear();
  const int64_t T = static_cast<int64_t>(prompt.size());
  LATHE_RETURN_IF_ERROR(check_prompt(prompt));
  const int64_t cap = std::min<int64_t>(max_seq_len_, T + std::max<int64_t>(opt.max_new_tokens, 0));
  struct Release { Model* m; ~Release() { m->free_acts(); } } release{this};
  LATHE_RETURN_IF_ERROR(alloc_acts(T, cap, /*cache=*/true));
  std::vector<float> logits;
  LATHE_RETURN_IF_ERROR(decode(prompt.data(), T, 0, opt.adapter, cancel, logits));
  std::vector<int32_t> context = prompt;
  Rng rng(opt.sampling.seed);
  int64_t p = T;
  finish_reason = "length";
  for (int64_t i = 0; i < opt.max_new_tokens; ++i) {
    if (cancel && cancel->load()) return cancelled_status();
    int32_t tok = sample_token(logits, context, opt.sampling, rng);
    out.push_back(tok);
    context.push_back(tok);
    bool keep_going = on_token ? on_token(tok) : true;
    if (std::find(opt.stop.begin(), opt.stop.end(), tok) != opt.stop.end()) { finish_reason = "stop"; break; }
    if (!keep_going) { finish_reason = "stopped"; break; }
    if (i + 1 >= opt.max_new_tokens) break;
    if (p >= cap) { finish_reason = "context"; break; }
    LATHE_RETURN_IF_ERROR(decode(&tok, 1, p, opt.adapter, cancel, logits));
    ++p;
  }
  return Status::Ok();
}

}  // namespace lathe::model
