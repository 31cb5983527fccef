// Forward orchestration: embedding → L × (attention block, MLP block) → final norm → chunked log-softmax gather or
// last-row logits. Buffers are (N, ·) with N = B*T rows; every buffer comes from the tracked activation arena.
#include <algorithm>
#include <cmath>

#include "model/model.h"

namespace lathe::model {

namespace {

Status cancelled_status() { return Status::error(status_code::cancelled, "the operation was cancelled", ""); }

int64_t logits_chunk(int64_t N, int64_t V) {
  // At most ~16 MiB of logits at once; never (T, V).
  int64_t c = std::max<int64_t>(1, (int64_t(16) << 20) / (4 * V));
  return std::min<int64_t>({c, 256, std::max<int64_t>(N, 1)});
}

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

MemoryPlan Model::plan(int64_t B, int64_t T, bool generate, int64_t prompt_len) const {
  const auto& c = cfg_;
  const int64_t C = c.hidden, HD = c.head_dim, QD = c.n_heads * HD, KVD = c.n_kv_heads * HD, I = c.intermediate, V = c.vocab;
  MemoryPlan p;
  p.weights = planned_weight_bytes();
  for (int64_t l = 0; l < c.layers; ++l)
    for (int m = 0; m < static_cast<int>(Module::count); ++m) {
      int64_t rm, pm;
      lora_dims(l, m, rm, pm);
      p.lora += 4 * pm;
    }
  const int64_t N = generate ? (prompt_len > 0 ? prompt_len : T) : B * T;
  int64_t per_row = C /*x*/ + C /*h*/ + QD /*q*/ + QD /*att*/ + 2 * I /*g,u*/ + 1 /*rstd*/ + 1 /*logp*/;
  if (!generate) per_row += 2 * KVD;                     // k, v live in the activations when there is no cache
  if (c.qk_norm) per_row += (c.n_heads + c.n_kv_heads) + KVD;  // q/k norm rstd + normed k
  p.activations = 4 * N * per_row + 4 * N * 2 /*pos, targets (int32)*/;
  const int64_t P = T;  // rope table rows: every position the call can reach
  p.activations += 4 * 2 * P * (HD / 2);
  p.scratch = 4 * logits_chunk(N, V) * V + 4 * N * max_lora_rank();
  if (generate) p.kv_cache = 4 * 2 * c.layers * T * KVD;
  return p;
}

Status Model::alloc_acts(int64_t N, int64_t P, bool with_kv) {
  const auto& c = cfg_;
  const int64_t C = c.hidden, HD = c.head_dim, QD = c.n_heads * HD, KVD = c.n_kv_heads * HD, I = c.intermediate, V = c.vocab;
  auto A = ArenaKind::activations;
  acts_.x.alloc(&tracker_, A, N * C);
  acts_.h.alloc(&tracker_, A, N * C);
  acts_.q.alloc(&tracker_, A, N * QD);
  acts_.att.alloc(&tracker_, A, N * QD);
  acts_.g.alloc(&tracker_, A, N * I);
  acts_.u.alloc(&tracker_, A, N * I);
  acts_.rstd.alloc(&tracker_, A, N);
  acts_.logp.alloc(&tracker_, A, N);
  if (with_kv) {
    acts_.k.alloc(&tracker_, A, N * KVD);
    acts_.v.alloc(&tracker_, A, N * KVD);
  }
  if (c.qk_norm) {
    acts_.qk_rstd.alloc(&tracker_, A, N * (c.n_heads + c.n_kv_heads));
    acts_.kn.alloc(&tracker_, A, N * KVD);
  }
  acts_.pos.alloc(&tracker_, A, N);
  acts_.targets.alloc(&tracker_, A, N);
  acts_.cos.alloc(&tracker_, A, P * (HD / 2));
  acts_.sin.alloc(&tracker_, A, P * (HD / 2));
  cpu::rope_table(acts_.cos.data(), acts_.sin.data(), inv_freq_.data(), HD, P);
  acts_.rope_rows = P;
  acts_.logits.alloc(&tracker_, ArenaKind::scratch, logits_chunk(N, V) * V);
  const int64_t R = max_lora_rank();
  if (R > 0) acts_.lora_u.alloc(&tracker_, ArenaKind::scratch, N * R);
  return Status::Ok();
}

void Model::free_acts() { acts_ = Acts{}; }

Status Model::run_layers(int64_t B, int64_t T, int64_t p0, bool adapter, bool use_cache, const CancelFlag& cancel) {
  const auto& c = cfg_;
  const int64_t C = c.hidden, HD = c.head_dim, NH = c.n_heads, NKV = c.n_kv_heads, QD = NH * HD, KVD = NKV * HD, I = c.intermediate;
  const int64_t N = B * T;
  const float eps = static_cast<float>(c.rms_eps);
  float* x = acts_.x.data();
  float* h = acts_.h.data();
  float* q = acts_.q.data();
  float* att = acts_.att.data();
  const int32_t* pos = acts_.pos.data();
  const int64_t P = acts_.rope_rows;
  for (int64_t l = 0; l < c.layers; ++l) {
    if (cancel && cancel->load()) return cancelled_status();
    Layer& L = layers_[l];
    cpu::LoraRef lr[static_cast<int>(Module::count)];
    const cpu::LoraRef* lp[static_cast<int>(Module::count)] = {};
    for (int m = 0; m < static_cast<int>(Module::count); ++m) {
      if (!adapter || L.lora[m].r == 0) continue;
      lr[m].A = L.lora[m].A.data();
      lr[m].B = L.lora[m].B.data();
      lr[m].r = L.lora[m].r;
      lr[m].scale = L.lora[m].scale;
      lp[m] = &lr[m];
    }
    float* lu = acts_.lora_u.data();
    auto mm = [&](float* y, const float* in, Module m) {
      const Linear& lin = L.lin[static_cast<int>(m)];
      return cpu::matmul_forward(y, lp[static_cast<int>(m)] ? lu : nullptr, in, lin.w, lin.bias, lp[static_cast<int>(m)], N, ex_);
    };
    // Attention block. k/v go straight into the cache rows [p0, p0+T) when generating.
    float* kdst = use_cache ? kcache_.data() + (l * cache_cap_ + p0) * KVD : acts_.k.data();
    float* vdst = use_cache ? vcache_.data() + (l * cache_cap_ + p0) * KVD : acts_.v.data();
    cpu::rmsnorm_forward(h, acts_.rstd.data(), x, L.attn_norm.data(), N, C, eps, ex_);
    LATHE_RETURN_IF_ERROR(mm(q, h, Module::q));
    LATHE_RETURN_IF_ERROR(mm(kdst, h, Module::k));
    LATHE_RETURN_IF_ERROR(mm(vdst, h, Module::v));
    const float* qsrc = q;
    const float* ksrc = kdst;
    if (c.qk_norm) {  // Qwen3: per-head RMSNorm of q and k before RoPE
      cpu::rmsnorm_forward(att, acts_.qk_rstd.data(), q, L.q_norm.data(), N * NH, HD, eps, ex_);
      cpu::rmsnorm_forward(acts_.kn.data(), acts_.qk_rstd.data() + N * NH, kdst, L.k_norm.data(), N * NKV, HD, eps, ex_);
      qsrc = att;
      ksrc = acts_.kn.data();
    }
    LATHE_RETURN_IF_ERROR(cpu::rope_forward(q, qsrc, pos, acts_.cos.data(), acts_.sin.data(), N, NH, HD, P, ex_));
    LATHE_RETURN_IF_ERROR(cpu::rope_forward(kdst, ksrc, pos, acts_.cos.data(), acts_.sin.data(), N, NKV, HD, P, ex_));
    for (int64_t b = 0; b < B; ++b) {
      cpu::AttnDims d;
      d.T = T;
      d.NH = NH;
      d.NKV = NKV;
      d.HD = HD;
      d.scale = 1.0f / std::sqrt(static_cast<float>(HD));
      const float *kb, *vb;
      if (use_cache) {
        d.S = p0 + T;
        d.q_pos0 = p0;
        kb = kcache_.data() + l * cache_cap_ * KVD;
        vb = vcache_.data() + l * cache_cap_ * KVD;
      } else {
        d.S = T;
        d.q_pos0 = 0;
        kb = acts_.k.data() + b * T * KVD;
        vb = acts_.v.data() + b * T * KVD;
      }
      LATHE_RETURN_IF_ERROR(cpu::attention_forward(att + b * T * QD, nullptr, q + b * T * QD, kb, vb, nullptr, nullptr, d, ex_));
    }
    LATHE_RETURN_IF_ERROR(mm(h, att, Module::o));
    cpu::add_inplace(x, h, N * C, ex_);
    // MLP block: down(silu(gate(h)) * up(h)).
    cpu::rmsnorm_forward(h, acts_.rstd.data(), x, L.ffn_norm.data(), N, C, eps, ex_);
    LATHE_RETURN_IF_ERROR(mm(acts_.g.data(), h, Module::gate));
    LATHE_RETURN_IF_ERROR(mm(acts_.u.data(), h, Module::up));
    cpu::swiglu_forward(acts_.g.data(), acts_.g.data(), acts_.u.data(), N * I, ex_);
    LATHE_RETURN_IF_ERROR(mm(h, acts_.g.data(), Module::down));
    cpu::add_inplace(x, h, N * C, ex_);
  }
  return Status::Ok();
}

Status Model::logprobs(float* logp, const int32_t* ids, int64_t B, int64_t T, bool adapter, const CancelFlag& cancel) {
  const auto& c = cfg_;
  if (B < 1 || T < 1) return Status::invalid("logprobs needs at least one row of at least one token");
  if (T > max_seq_len_)
    return Status::error("sequence_too_long", "the sequence has " + std::to_string(T) + " tokens but the model was loaded with maxSeqLen " + std::to_string(max_seq_len_),
                         "Load the model with a larger maxSeqLen or shorten the input.");
  for (int64_t i = 0; i < B * T; ++i)
    if (ids[i] < 0 || ids[i] >= c.vocab)
      return Status::error("token_out_of_range", "token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) + " is outside the vocabulary [0, " + std::to_string(c.vocab) + ")",
                           "Use ids from this model's tokenizer.");
  const int64_t N = B * T;
  struct Release { Model* m; ~Release() { m->free_acts(); } } release{this};
  LATHE_RETURN_IF_ERROR(alloc_acts(N, T, /*with_kv=*/true));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) {
      acts_.pos[b * T + t] = static_cast<int32_t>(t);
      acts_.targets[b * T + t] = t + 1 < T ? ids[b * T + t + 1] : -1;
    }
  LATHE_RETURN_IF_ERROR(cpu::embedding_forward(acts_.x.data(), ids, embed_, N, ex_));
  LATHE_RETURN_IF_ERROR(run_layers(B, T, 0, adapter, false, cancel));
  if (cancel && cancel->load()) return cancelled_status();
  cpu::rmsnorm_forward(acts_.h.data(), acts_.rstd.data(), acts_.x.data(), final_norm_.data(), N, c.hidden, static_cast<float>(c.rms_eps), ex_);
  LATHE_RETURN_IF_ERROR(cpu::logsoftmax_gather_forward(acts_.logp.data(), nullptr, acts_.h.data(), head_, acts_.targets.data(), N,
                                                       logits_chunk(N, c.vocab), acts_.logits.data(), ex_));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t + 1 < T; ++t) logp[b * (T - 1) + t] = acts_.logp[b * T + t];
  return Status::Ok();
}

Status Model::decode(const int32_t* toks, int64_t T, int64_t p0, bool adapter, const CancelFlag& cancel, std::vector<float>& logits) {
  const auto& c = cfg_;
  for (int64_t t = 0; t < T; ++t) acts_.pos[t] = static_cast<int32_t>(p0 + t);
  LATHE_RETURN_IF_ERROR(cpu::embedding_forward(acts_.x.data(), toks, embed_, T, ex_));
  LATHE_RETURN_IF_ERROR(run_layers(1, T, p0, adapter, true, cancel));
  const float* last = acts_.x.data() + (T - 1) * c.hidden;
  cpu::rmsnorm_forward(acts_.h.data(), acts_.rstd.data(), last, final_norm_.data(), 1, c.hidden, static_cast<float>(c.rms_eps), ex_);
  logits.resize(static_cast<size_t>(c.vocab));
  return cpu::logits_row(logits.data(), acts_.h.data(), head_, ex_);
}

Status Model::generate(const std::vector<int32_t>& prompt, const GenerateOptions& opt, const CancelFlag& cancel,
                       const std::function<bool(int32_t)>& on_token, std::vector<int32_t>& out, std::string& finish_reason) {
  const auto& c = cfg_;
  out.clear();
  const int64_t T = static_cast<int64_t>(prompt.size());
  if (T < 1) return Status::invalid("generate needs a prompt of at least one token", "Pass a non-empty prompt.");
  for (int64_t i = 0; i < T; ++i)
    if (prompt[i] < 0 || prompt[i] >= c.vocab)
      return Status::error("token_out_of_range", "prompt token id " + std::to_string(prompt[i]) + " at position " + std::to_string(i) + " is outside the vocabulary [0, " + std::to_string(c.vocab) + ")",
                           "Use ids from this model's tokenizer.");
  if (T >= max_seq_len_)
    return Status::error("sequence_too_long", "the prompt has " + std::to_string(T) + " tokens; maxSeqLen is " + std::to_string(max_seq_len_),
                         "Load the model with a larger maxSeqLen or shorten the prompt.");
  const int64_t cap = std::min<int64_t>(max_seq_len_, T + std::max<int64_t>(opt.max_new_tokens, 0));
  struct Release { Model* m; ~Release() { m->free_acts(); m->kcache_.release(); m->vcache_.release(); } } release{this};
  const int64_t KVD = c.n_kv_heads * c.head_dim;
  cache_cap_ = cap;
  kcache_.alloc(&tracker_, ArenaKind::kv_cache, c.layers * cap * KVD);
  vcache_.alloc(&tracker_, ArenaKind::kv_cache, c.layers * cap * KVD);
  LATHE_RETURN_IF_ERROR(alloc_acts(T, cap, /*with_kv=*/false));
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
