// Training orchestration (issue 4): forward that keeps what backward needs (per-layer checkpoints, recompute in
// backward), hand-written backward over the op table (activation gradients through frozen weights, LoRA A/B gradients
// only), and AdamW with global-norm clipping and a non-finite guard. Shapes: N = B*T rows, C hidden, I intermediate.
#include <cmath>
#include <cstring>

#include "model/model.h"

namespace lathe::model {

namespace {

Status cancelled_status() { return Status::error(status_code::cancelled, "the operation was cancelled", ""); }

int64_t chunk_for(int64_t N, int64_t V) {
  int64_t c = std::max<int64_t>(1, (int64_t(16) << 20) / (4 * V));
  return std::min<int64_t>({c, 256, std::max<int64_t>(N, 1)});
}

// Dropout mask seed per (step seed, layer, module): a pure function, so recompute and backward see the same mask.
uint64_t mix_seed(uint64_t s, int64_t l, int m) {
  uint64_t z = s ^ (0x9E3779B97F4A7C15ull * static_cast<uint64_t>(l * 8 + m + 1));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

Status Model::ensure_grads() {
  for (auto& L : layers_)
    for (auto& m : L.lora) {
      if (m.r == 0 || m.dA.size() == m.A.size()) continue;
      auto O = ArenaKind::optimizer;
      m.dA.alloc(&tracker_, O, m.A.size(), true);
      m.dB.alloc(&tracker_, O, m.B.size(), true);
      m.mA.alloc(&tracker_, O, m.A.size(), true);
      m.vA.alloc(&tracker_, O, m.A.size(), true);
      m.mB.alloc(&tracker_, O, m.B.size(), true);
      m.vB.alloc(&tracker_, O, m.B.size(), true);
    }
  return Status::Ok();
}

void Model::zero_grad() {
  for (auto& L : layers_)
    for (auto& m : L.lora) {
      if (m.dA.size()) std::memset(m.dA.data(), 0, m.dA.size() * 4);
      if (m.dB.size()) std::memset(m.dB.data(), 0, m.dB.size() * 4);
    }
  tr_.has_grads = false;
}

void Model::alloc_saved(LayerSaved& S, int64_t N, int64_t B, int64_t T) {
  const auto& c = cfg_;
  const int64_t C = c.hidden, QD = c.n_heads * c.head_dim, KVD = c.n_kv_heads * c.head_dim, I = c.intermediate;
  auto A = ArenaKind::activations;
  S.h1.alloc(&tracker_, A, N * C);
  S.rstd1.alloc(&tracker_, A, N);
  if (c.qk_norm) {
    S.qraw.alloc(&tracker_, A, N * QD);
    S.kraw.alloc(&tracker_, A, N * KVD);
    S.qkr.alloc(&tracker_, A, N * (c.n_heads + c.n_kv_heads));
  }
  S.q.alloc(&tracker_, A, N * QD);
  S.k.alloc(&tracker_, A, N * KVD);
  S.v.alloc(&tracker_, A, N * KVD);
  S.att.alloc(&tracker_, A, N * QD);
  S.lse.alloc(&tracker_, A, B * c.n_heads * T);
  S.xmid.alloc(&tracker_, A, N * C);
  S.h2.alloc(&tracker_, A, N * C);
  S.rstd2.alloc(&tracker_, A, N);
  S.g.alloc(&tracker_, A, N * I);
  S.u.alloc(&tracker_, A, N * I);
  S.a.alloc(&tracker_, A, N * I);
  (void)B;
}

Status Model::alloc_train(int64_t B, int64_t T, bool checkpointing) {
  const auto& c = cfg_;
  const int64_t C = c.hidden, HD = c.head_dim, QD = c.n_heads * HD, KVD = c.n_kv_heads * HD, I = c.intermediate;
  const int64_t N = B * T;
  tr_ = Train{};
  tr_.B = B;
  tr_.T = T;
  tr_.N = N;
  tr_.checkpointing = checkpointing;
  auto A = ArenaKind::activations;
  auto S = ArenaKind::scratch;
  tr_.ids.alloc(&tracker_, A, N);
  tr_.targets.alloc(&tracker_, A, N);
  tr_.pos.alloc(&tracker_, A, N);
  tr_.seg.alloc(&tracker_, A, N);
  tr_.ckpt.alloc(&tracker_, A, (c.layers + 1) * N * C);
  tr_.saved.resize(checkpointing ? 1 : c.layers);
  for (auto& sv : tr_.saved) {
    alloc_saved(sv, N, B, T);
    for (int m = 0; m < static_cast<int>(Module::count); ++m) {
      int64_t r = 0;
      for (const auto& L : layers_) r = std::max(r, L.lora[m].r);
      if (r > 0) sv.lu[m].alloc(&tracker_, A, N * r);
    }
  }
  tr_.hf.alloc(&tracker_, A, N * C);
  tr_.rstdf.alloc(&tracker_, A, N);
  tr_.lse.alloc(&tracker_, A, N);
  tr_.cos.alloc(&tracker_, A, T * (HD / 2));
  tr_.sin.alloc(&tracker_, A, T * (HD / 2));
  cpu::rope_table(tr_.cos.data(), tr_.sin.data(), inv_freq_.data(), HD, T);
  tr_.logits.alloc(&tracker_, S, chunk_for(N, c.vocab) * c.vocab);
  // Gradient buffers for backward (scratch).
  for (Buf<float>* b : {&tr_.dx, &tr_.dx2, &tr_.dh, &tr_.xtmp}) b->alloc(&tracker_, S, N * C);
  tr_.dq.alloc(&tracker_, S, N * QD);
  tr_.datt.alloc(&tracker_, S, N * QD);
  tr_.dk.alloc(&tracker_, S, N * KVD);
  tr_.dv.alloc(&tracker_, S, N * KVD);
  if (c.qk_norm) {
    tr_.dqraw.alloc(&tracker_, S, N * QD);
    tr_.dkraw.alloc(&tracker_, S, N * KVD);
  }
  for (Buf<float>* b : {&tr_.dg, &tr_.du, &tr_.da}) b->alloc(&tracker_, S, N * I);
  return Status::Ok();
}

MemoryPlan Model::plan_train(int64_t B, int64_t T, bool checkpointing) const {
  const auto& c = cfg_;
  const int64_t C = c.hidden, HD = c.head_dim, QD = c.n_heads * HD, KVD = c.n_kv_heads * HD, I = c.intermediate, V = c.vocab;
  const int64_t N = B * T;
  MemoryPlan p;
  p.weights = planned_weight_bytes();
  int64_t lora_params = 0, lu_per_row = 0;
  for (int m = 0; m < static_cast<int>(Module::count); ++m) {
    int64_t r = 0;
    for (int64_t l = 0; l < c.layers; ++l) {
      int64_t rm, pm;
      lora_dims(l, m, rm, pm);
      r = std::max(r, rm);
      lora_params += pm;
    }
    lu_per_row += r;
  }
  p.lora = 4 * lora_params;
  p.optimizer = 4 * 3 * lora_params;  // gradients, Adam m and v (fp32), one of each per LoRA parameter
  int64_t saved_row = 2 * C + 1 + QD + 2 * KVD + QD + 2 * C + 1 + 3 * I + lu_per_row;
  if (c.qk_norm) saved_row += QD + KVD + c.n_heads + c.n_kv_heads;
  const int64_t per_layer = 4 * (N * saved_row + B * c.n_heads * T);
  p.activations = per_layer * (checkpointing ? 1 : c.layers);
  p.activations += 4 * 4 * N /*ids, targets, pos, seg*/ + 4 * (c.layers + 1) * N * C + 4 * (N * C + 2 * N) + 4 * 2 * T * (HD / 2);
  int64_t grad_row = 4 * C + 2 * QD + 2 * KVD + 3 * I + (c.qk_norm ? QD + KVD : 0);
  p.scratch = 4 * (N * grad_row + chunk_for(N, V) * V);
  return p;
}

Status Model::layer_fwd(int64_t l, const float* xin, float* xout, LayerSaved& S) {
  const auto& c = cfg_;
  const int64_t B = tr_.B, T = tr_.T, N = tr_.N;
  const int64_t C = c.hidden, HD = c.head_dim, NH = c.n_heads, NKV = c.n_kv_heads, QD = NH * HD, KVD = NKV * HD, I = c.intermediate;
  const float eps = static_cast<float>(c.rms_eps);
  Layer& L = layers_[l];
  cpu::LoraRef lr[7];
  for (int m = 0; m < 7; ++m) {
    lr[m].A = L.lora[m].A.data();
    lr[m].B = L.lora[m].B.data();
    lr[m].r = L.lora[m].r;
    lr[m].scale = L.lora[m].scale;
    lr[m].dropout = lora_cfg_.dropout;
    lr[m].seed = mix_seed(tr_.dropout_seed, l, m);
  }
  auto mm = [&](float* y, const float* in, int m) {
    const cpu::LoraRef* p = lr[m].r > 0 ? &lr[m] : nullptr;
    return cpu::matmul_forward(y, p ? S.lu[m].data() : nullptr, in, L.lin[m].w, L.lin[m].bias, p, N, ex_);
  };
  cpu::rmsnorm_forward(S.h1.data(), S.rstd1.data(), xin, L.attn_norm.data(), N, C, eps, ex_);
  if (c.qk_norm) {
    LATHE_RETURN_IF_ERROR(mm(S.qraw.data(), S.h1.data(), 0));
    LATHE_RETURN_IF_ERROR(mm(S.kraw.data(), S.h1.data(), 1));
    cpu::rmsnorm_forward(S.q.data(), S.qkr.data(), S.qraw.data(), L.q_norm.data(), N * NH, HD, eps, ex_);
    cpu::rmsnorm_forward(S.k.data(), S.qkr.data() + N * NH, S.kraw.data(), L.k_norm.data(), N * NKV, HD, eps, ex_);
  } else {
    LATHE_RETURN_IF_ERROR(mm(S.q.data(), S.h1.data(), 0));
    LATHE_RETURN_IF_ERROR(mm(S.k.data(), S.h1.data(), 1));
  }
  LATHE_RETURN_IF_ERROR(mm(S.v.data(), S.h1.data(), 2));
  const int32_t* pos = tr_.pos.data();
  LATHE_RETURN_IF_ERROR(cpu::rope_forward(S.q.data(), S.q.data(), pos, tr_.cos.data(), tr_.sin.data(), N, NH, HD, T, ex_));
  LATHE_RETURN_IF_ERROR(cpu::rope_forward(S.k.data(), S.k.data(), pos, tr_.cos.data(), tr_.sin.data(), N, NKV, HD, T, ex_));
  cpu::AttnDims d;
  d.T = T; d.S = T; d.q_pos0 = 0; d.NH = NH; d.NKV = NKV; d.HD = HD;
  d.scale = 1.0f / std::sqrt(static_cast<float>(HD));
  for (int64_t b = 0; b < B; ++b)
    LATHE_RETURN_IF_ERROR(cpu::attention_forward(S.att.data() + b * T * QD, S.lse.data() + b * NH * T, S.q.data() + b * T * QD,
                                                 S.k.data() + b * T * KVD, S.v.data() + b * T * KVD, seg_row(b), seg_row(b), d, ex_));
  LATHE_RETURN_IF_ERROR(mm(S.xmid.data(), S.att.data(), 3));
  cpu::add_inplace(S.xmid.data(), xin, N * C, ex_);
  cpu::rmsnorm_forward(S.h2.data(), S.rstd2.data(), S.xmid.data(), L.ffn_norm.data(), N, C, eps, ex_);
  LATHE_RETURN_IF_ERROR(mm(S.g.data(), S.h2.data(), 4));
  LATHE_RETURN_IF_ERROR(mm(S.u.data(), S.h2.data(), 5));
  cpu::swiglu_forward(S.a.data(), S.g.data(), S.u.data(), N * I, ex_);
  LATHE_RETURN_IF_ERROR(mm(xout, S.a.data(), 6));
  cpu::add_inplace(xout, S.xmid.data(), N * C, ex_);
  return Status::Ok();
}

Status Model::layer_bwd(int64_t l, const float* xin, const float* dxout, float* dxin, LayerSaved& S) {
  const auto& c = cfg_;
  const int64_t B = tr_.B, T = tr_.T, N = tr_.N;
  const int64_t C = c.hidden, HD = c.head_dim, NH = c.n_heads, NKV = c.n_kv_heads, QD = NH * HD, KVD = NKV * HD, I = c.intermediate;
  Layer& L = layers_[l];
  cpu::LoraRef lr[7];
  for (int m = 0; m < 7; ++m) {
    lr[m].A = L.lora[m].A.data();
    lr[m].B = L.lora[m].B.data();
    lr[m].r = L.lora[m].r;
    lr[m].scale = L.lora[m].scale;
    lr[m].dropout = lora_cfg_.dropout;
    lr[m].seed = mix_seed(tr_.dropout_seed, l, m);
  }
  auto mmb = [&](float* dx, const float* dy, const float* x, int m, bool acc) {
    const cpu::LoraRef* p = lr[m].r > 0 ? &lr[m] : nullptr;
    return cpu::matmul_backward(dx, p ? L.lora[m].dA.data() : nullptr, p ? L.lora[m].dB.data() : nullptr, dy, x,
                                p ? S.lu[m].data() : nullptr, L.lin[m].w, p, N, acc, ex_);
  };
  float* dh = tr_.dh.data();
  // MLP block: xout = xmid + down(silu(gate(h2)) * up(h2)), h2 = norm2(xmid).
  LATHE_RETURN_IF_ERROR(mmb(tr_.da.data(), dxout, S.a.data(), 6, false));
  cpu::swiglu_backward(tr_.dg.data(), tr_.du.data(), tr_.da.data(), S.g.data(), S.u.data(), N * I, ex_);
  LATHE_RETURN_IF_ERROR(mmb(dh, tr_.dg.data(), S.h2.data(), 4, false));
  LATHE_RETURN_IF_ERROR(mmb(dh, tr_.du.data(), S.h2.data(), 5, true));
  float* dxm = tr_.xtmp.data();  // d xmid = dxout + norm2^T(dh)
  std::memcpy(dxm, dxout, N * C * 4);
  cpu::rmsnorm_backward(dxm, nullptr, dh, S.xmid.data(), L.ffn_norm.data(), S.rstd2.data(), N, C, true, ex_);
  // Attention block: xmid = xin + o(attn(rope(q), rope(k), v)), q/k/v from h1 = norm1(xin).
  LATHE_RETURN_IF_ERROR(mmb(tr_.datt.data(), dxm, S.att.data(), 3, false));
  cpu::AttnDims d;
  d.T = T; d.S = T; d.q_pos0 = 0; d.NH = NH; d.NKV = NKV; d.HD = HD;
  d.scale = 1.0f / std::sqrt(static_cast<float>(HD));
  for (int64_t b = 0; b < B; ++b)
    LATHE_RETURN_IF_ERROR(cpu::attention_backward(tr_.dq.data() + b * T * QD, tr_.dk.data() + b * T * KVD, tr_.dv.data() + b * T * KVD,
                                                  tr_.datt.data() + b * T * QD, S.att.data() + b * T * QD, S.lse.data() + b * NH * T,
                                                  S.q.data() + b * T * QD, S.k.data() + b * T * KVD, S.v.data() + b * T * KVD,
                                                  seg_row(b), seg_row(b), d, ex_));
  const int32_t* pos = tr_.pos.data();
  LATHE_RETURN_IF_ERROR(cpu::rope_backward(tr_.dq.data(), tr_.dq.data(), pos, tr_.cos.data(), tr_.sin.data(), N, NH, HD, T, ex_));
  LATHE_RETURN_IF_ERROR(cpu::rope_backward(tr_.dk.data(), tr_.dk.data(), pos, tr_.cos.data(), tr_.sin.data(), N, NKV, HD, T, ex_));
  const float* dq = tr_.dq.data();
  const float* dk = tr_.dk.data();
  if (c.qk_norm) {
    cpu::rmsnorm_backward(tr_.dqraw.data(), nullptr, dq, S.qraw.data(), L.q_norm.data(), S.qkr.data(), N * NH, HD, false, ex_);
    cpu::rmsnorm_backward(tr_.dkraw.data(), nullptr, dk, S.kraw.data(), L.k_norm.data(), S.qkr.data() + N * NH, N * NKV, HD, false, ex_);
    dq = tr_.dqraw.data();
    dk = tr_.dkraw.data();
  }
  LATHE_RETURN_IF_ERROR(mmb(dh, dq, S.h1.data(), 0, false));
  LATHE_RETURN_IF_ERROR(mmb(dh, dk, S.h1.data(), 1, true));
  LATHE_RETURN_IF_ERROR(mmb(dh, tr_.dv.data(), S.h1.data(), 2, true));
  std::memcpy(dxin, dxm, N * C * 4);
  cpu::rmsnorm_backward(dxin, nullptr, dh, xin, L.attn_norm.data(), S.rstd1.data(), N, C, true, ex_);
  return Status::Ok();
}

Status Model::forward_train(float* logp, const int32_t* ids, const int32_t* targets, int64_t B, int64_t T, bool checkpointing,
                            uint64_t dropout_seed, const CancelFlag& cancel, const int32_t* positions, const int32_t* segments) {
  const auto& c = cfg_;
  if (B < 1 || T < 1) return Status::invalid("forward needs at least one row of one token");
  if (T > max_seq_len_)
    return Status::error("sequence_too_long", "the sequence has " + std::to_string(T) + " tokens but maxSeqLen is " + std::to_string(max_seq_len_),
                         "Load the model with a larger maxSeqLen or shorten the examples.");
  for (int64_t i = 0; i < B * T; ++i) {
    if (ids[i] < 0 || ids[i] >= c.vocab)
      return Status::error("token_out_of_range", "token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) + " is outside the vocabulary", "Use ids from this model's tokenizer.");
    if (targets[i] < -1 || targets[i] >= c.vocab)
      return Status::error("token_out_of_range", "target id " + std::to_string(targets[i]) + " at position " + std::to_string(i) + " is outside the vocabulary (use -1 for no target)", "Use ids from this model's tokenizer.");
  }
  LATHE_RETURN_IF_ERROR(ensure_grads());
  LATHE_RETURN_IF_ERROR(alloc_train(B, T, checkpointing));
  const int64_t N = B * T, C = c.hidden;
  tr_.dropout_seed = dropout_seed;
  std::memcpy(tr_.ids.data(), ids, N * 4);
  std::memcpy(tr_.targets.data(), targets, N * 4);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) tr_.pos[b * T + t] = static_cast<int32_t>(t);
  // Packed rows: RoPE positions restart per document and attention stays inside each document (segment id).
  if (positions) {
    for (int64_t i = 0; i < N; ++i) {
      if (positions[i] < 0 || positions[i] >= T)
        return Status::error("bad_positions", "position " + std::to_string(positions[i]) + " at index " + std::to_string(i) + " is outside [0, " + std::to_string(T) + ")", "Positions of a packed row restart at 0 for each document and stay below the row length.");
      tr_.pos[i] = positions[i];
    }
  }
  tr_.has_seg = segments != nullptr;
  if (segments) std::memcpy(tr_.seg.data(), segments, N * 4);
  LATHE_RETURN_IF_ERROR(cpu::embedding_forward(tr_.ckpt.data(), ids, embed_, N, ex_));
  for (int64_t l = 0; l < c.layers; ++l) {
    if (cancel && cancel->load()) return cancelled_status();
    LayerSaved& S = tr_.saved[checkpointing ? 0 : l];
    LATHE_RETURN_IF_ERROR(layer_fwd(l, tr_.ckpt.data() + l * N * C, tr_.ckpt.data() + (l + 1) * N * C, S));
  }
  const float* xL = tr_.ckpt.data() + c.layers * N * C;
  cpu::rmsnorm_forward(tr_.hf.data(), tr_.rstdf.data(), xL, final_norm_.data(), N, C, static_cast<float>(c.rms_eps), ex_);
  LATHE_RETURN_IF_ERROR(cpu::logsoftmax_gather_forward(logp, tr_.lse.data(), tr_.hf.data(), head_, tr_.targets.data(), N,
                                                       chunk_for(N, c.vocab), tr_.logits.data(), ex_));
  tr_.pending = true;
  return Status::Ok();
}

Status Model::backward(const float* seeds, const CancelFlag& cancel) {
  const auto& c = cfg_;
  if (!tr_.pending) return Status::error("no_forward", "backward() needs a forward({keepForBackward}) first", "Call forward with keepForBackward before backward.");
  const int64_t N = tr_.N, C = c.hidden;
  tr_.pending = false;
  LATHE_RETURN_IF_ERROR(cpu::logsoftmax_gather_backward(tr_.dh.data(), seeds, tr_.hf.data(), head_, tr_.targets.data(), tr_.lse.data(), N,
                                                        chunk_for(N, c.vocab), tr_.logits.data(), false, ex_));
  float* dx = tr_.dx.data();
  float* dx2 = tr_.dx2.data();
  std::memset(dx, 0, N * C * 4);
  cpu::rmsnorm_backward(dx, nullptr, tr_.dh.data(), tr_.ckpt.data() + c.layers * N * C, final_norm_.data(), tr_.rstdf.data(), N, C, false, ex_);
  for (int64_t l = c.layers - 1; l >= 0; --l) {
    if (cancel && cancel->load()) {
      zero_grad();  // a half-accumulated gradient must never reach step()
      return cancelled_status();
    }
    const float* xin = tr_.ckpt.data() + l * N * C;
    LayerSaved& S = tr_.saved[tr_.checkpointing ? 0 : l];
    // Recompute this layer's forward from its stored input (the output goes to a throwaway buffer).
    if (tr_.checkpointing) LATHE_RETURN_IF_ERROR(layer_fwd(l, xin, tr_.dh.data(), S));
    LATHE_RETURN_IF_ERROR(layer_bwd(l, xin, dx, dx2, S));
    std::swap(dx, dx2);
  }
  tr_.has_grads = true;
  return Status::Ok();
}

Status Model::step(const StepOptions& opt, StepResult& res) {
  res = StepResult{};
  std::vector<BufView> grads;
  for (auto& L : layers_)
    for (auto& m : L.lora) {
      if (m.r == 0 || m.dA.size() == 0) continue;
      grads.push_back({m.dA.data(), m.dA.size()});
      grads.push_back({m.dB.data(), m.dB.size()});
    }
  if (grads.empty()) return Status::error("no_adapter", "step() needs a LoRA adapter with gradients", "Load the model with a lora config and run forward + backward first.");
  if (!tr_.has_grads) {
    res.skipped = true;
    res.reason = "no gradients accumulated since the last step";
    res.step = train_step_;
    return Status::Ok();
  }
  res.grad_norm = cpu::grad_norm(grads.data(), static_cast<int64_t>(grads.size()), ex_);
  if (!std::isfinite(res.grad_norm)) {
    zero_grad();
    res.skipped = true;
    res.reason = "non-finite gradient norm";
    res.step = train_step_;
    return Status::Ok();
  }
  float clip = 1.0f;
  if (opt.max_grad_norm > 0 && res.grad_norm > opt.max_grad_norm) clip = static_cast<float>(opt.max_grad_norm / (res.grad_norm + 1e-6));
  ++train_step_;
  cpu::AdamW a;
  a.lr = opt.lr;
  a.beta1 = opt.beta1;
  a.beta2 = opt.beta2;
  a.eps = opt.eps;
  a.weight_decay = opt.weight_decay;
  a.step = train_step_;
  for (auto& L : layers_)
    for (auto& m : L.lora) {
      if (m.r == 0 || m.dA.size() == 0) continue;
      cpu::adamw_step(m.A.data(), m.mA.data(), m.vA.data(), m.dA.data(), m.A.size(), a, clip, ex_);
      cpu::adamw_step(m.B.data(), m.mB.data(), m.vB.data(), m.dB.data(), m.B.size(), a, clip, ex_);
    }
  zero_grad();
  res.step = train_step_;
  return Status::Ok();
}

Status Model::lora_tensor(int64_t layer, Module m, const std::string& which, std::vector<float>& out) const {
  if (layer < 0 || layer >= static_cast<int64_t>(layers_.size())) return Status::invalid("layer out of range");
  const LoraModule& lm = layers_[layer].lora[static_cast<int>(m)];
  const Buf<float>* b = which == "A" ? &lm.A : which == "B" ? &lm.B : which == "dA" ? &lm.dA : which == "dB" ? &lm.dB : nullptr;
  if (!b) return Status::invalid("which must be A, B, dA or dB");
  out.assign(b->data(), b->data() + b->size());
  return Status::Ok();
}

Status Model::set_lora_tensor(int64_t layer, Module m, const std::string& which, const std::vector<float>& in) {
  if (layer < 0 || layer >= static_cast<int64_t>(layers_.size())) return Status::invalid("layer out of range");
  LoraModule& lm = layers_[layer].lora[static_cast<int>(m)];
  Buf<float>* b = which == "A" ? &lm.A : which == "B" ? &lm.B : nullptr;
  if (!b || lm.r == 0) return Status::invalid("no LoRA " + which + " on that module");
  if (static_cast<int64_t>(in.size()) != b->size()) return Status::invalid("size mismatch: expected " + std::to_string(b->size()));
  std::memcpy(b->data(), in.data(), in.size() * 4);
  return Status::Ok();
}

}  // namespace lathe::model
