// Training orchestration: forward that keeps what backward needs (per-layer checkpoints, recompute in
// backward), backward through the one decoder layer (layer.cc: activation gradients through frozen weights, LoRA A/B
// gradients only), and AdamW with global-norm clipping and a non-finite guard. Shapes: N = B*T rows, C hidden.
#include <cmath>
#include <cstring>

#include "model/model.h"

namespace lathe::model {

namespace {

Status cancelled_status() { return Status::error(status_code::cancelled, "the operation was cancelled", ""); }

}  // namespace

Status Model::ensure_grads() {
  LATHE_RETURN_IF_ERROR(need_backend());
  for (auto& L : layers_)
    for (auto& m : L.lora) {
      if (m.r == 0 || m.dA.size() == m.A.size()) continue;
      auto O = ArenaKind::optimizer;
      for (backend::Array<float>* a : {&m.dA, &m.mA, &m.vA}) LATHE_RETURN_IF_ERROR(a->alloc(be_.get(), &tracker_, O, m.A.size(), true));
      for (backend::Array<float>* a : {&m.dB, &m.mB, &m.vB}) LATHE_RETURN_IF_ERROR(a->alloc(be_.get(), &tracker_, O, m.B.size(), true));
    }
  for (TrainableTable* t : {&temb_, &thead_})
    if (t->p.size() && t->g.size() != t->p.size())
      for (backend::Array<float>* a : {&t->g, &t->m, &t->v}) LATHE_RETURN_IF_ERROR(a->alloc(be_.get(), &tracker_, ArenaKind::optimizer, t->p.size(), true));
  return Status::Ok();
}

void Model::zero_grad() {
  for (auto& L : layers_)
    for (auto& m : L.lora) {
      if (m.dA.size()) be_->fill(m.dA.ptr(), 0.f, m.dA.size());
      if (m.dB.size()) be_->fill(m.dB.ptr(), 0.f, m.dB.size());
    }
  for (TrainableTable* t : {&temb_, &thead_})
    if (t->g.size()) be_->fill(t->g.ptr(), 0.f, t->g.size());
  tr_.has_grads = false;
}

TrainDims Model::train_dims(int64_t B, int64_t T, bool checkpointing, bool offload) const {
  TrainDims d;
  d.B = B;
  d.T = T;
  d.checkpointing = checkpointing;
  d.offload = checkpointing && offload;  // without checkpointing every layer's activations stay anyway
  d.chunk = logits_chunk(B * T, cfg_.vocab);
  for (int m = 0; m < static_cast<int>(Module::count); ++m)
    for (int64_t l = 0; l < cfg_.layers; ++l) {
      int64_t rm, pm;
      lora_dims(l, m, rm, pm);
      d.rank[m] = std::max(d.rank[m], rm);
    }
  return d;
}

Status Model::alloc_train(int64_t B, int64_t T, bool checkpointing, bool offload) {
  tr_mem_.release();
  // The host copy of the layer inputs outlives the reset: reallocating (and zeroing) gigabytes per micro-batch would
  // cost more than the copies themselves.
  std::vector<float> host = std::move(tr_.host_ckpt);
  tr_ = Train{};
  tr_.B = B;
  tr_.T = T;
  tr_.N = B * T;
  tr_.checkpointing = checkpointing;
  const TrainDims d = train_dims(B, T, checkpointing, offload);
  tr_.offload = d.offload;
  if (d.offload) host.resize(static_cast<size_t>(offload_host_bytes(cfg_, d) / sizeof(float)));
  else std::vector<float>().swap(host);  // give the host memory back once offload is off
  tr_.host_ckpt = std::move(host);
  LATHE_RETURN_IF_ERROR(tr_mem_.alloc_train(be_.get(), &tracker_, cfg_, d, tr_.b));
  be_->rope_table(tr_.b.cos, tr_.b.sin, inv_freq_.data(), cfg_.head_dim, T);
  return Status::Ok();
}

MemoryPlan Model::plan_train(int64_t B, int64_t T, bool checkpointing, bool offload) const {
  MemoryPlan p;
  p.weights = planned_weight_bytes();
  int64_t lora_params = 0;
  for (int64_t l = 0; l < cfg_.layers; ++l)
    for (int m = 0; m < static_cast<int>(Module::count); ++m) {
      int64_t rm, pm;
      lora_dims(l, m, rm, pm);
      lora_params += pm;
    }
  // Trainable embedding/head tables are full f32 copies: parameters in the lora arena, gradient + moments beside.
  p.lora = 4 * (lora_params + table_params());
  p.optimizer = 4 * 3 * (lora_params + table_params());  // gradients, Adam m and v (fp32), one of each per parameter
  const TrainDims d = train_dims(B, T, checkpointing, offload);
  const ArenaBytes a = train_bytes(cfg_, d);
  p.activations = a[static_cast<int>(ArenaKind::activations)];
  p.host_activations = offload_host_bytes(cfg_, d);
  p.scratch = a[static_cast<int>(ArenaKind::scratch)] + planned_device_scratch(B * T, T, /*train=*/true);
  return p;
}

Status Model::forward_train(float* logp, const int32_t* ids, const int32_t* targets, int64_t B, int64_t T, bool checkpointing,
                            bool offload, uint64_t dropout_seed, const CancelFlag& cancel, const int32_t* positions, const int32_t* segments) {
  const auto& c = cfg_;
  LATHE_RETURN_IF_ERROR(need_backend());
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
  const int64_t N = B * T, C = c.hidden;
  // Packed rows: RoPE positions restart per document and attention stays inside each document (segment id).
  std::vector<int32_t> pos(static_cast<size_t>(N));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) pos[b * T + t] = static_cast<int32_t>(t);
  if (positions) {
    for (int64_t i = 0; i < N; ++i) {
      if (positions[i] < 0 || positions[i] >= T)
        return Status::error("bad_positions", "position " + std::to_string(positions[i]) + " at index " + std::to_string(i) + " is outside [0, " + std::to_string(T) + ")", "Positions of a packed row restart at 0 for each document and stay below the row length.");
      pos[i] = positions[i];
    }
  }
  LATHE_RETURN_IF_ERROR(ensure_grads());
  LATHE_RETURN_IF_ERROR(alloc_train(B, T, checkpointing, offload));
  TrainBufs& g = tr_.b;
  tr_.dropout_seed = dropout_seed;
  be_->write(g.ids, ids, N);
  be_->write(g.targets, targets, N);
  be_->write(g.pos, pos.data(), N);
  tr_.has_seg = segments != nullptr;
  if (segments) be_->write(g.seg, segments, N);
  LATHE_RETURN_IF_ERROR(be_->embedding_forward(g.ckpt, g.ids, embed_for(true), N));
  LayerCall call;
  call.B = B;
  call.T = T;
  call.pos = g.pos;
  call.seg = tr_.has_seg ? g.seg : DPtr<int32_t>{};
  call.cos = g.cos;
  call.sin = g.sin;
  call.P = T;
  call.train = true;
  call.dropout_seed = dropout_seed;
  const bool off = tr_.offload;
  for (int64_t l = 0; l < c.layers; ++l) {
    if (cancel && cancel->load()) return cancelled_status();
    call.xin = g.ckpt + (off ? l % 2 : l) * N * C;
    call.xout = g.ckpt + (off ? (l + 1) % 2 : l + 1) * N * C;
    LATHE_RETURN_IF_ERROR(layer_forward(l, call, g.saved[checkpointing ? 0 : l]));
    // A download runs every op recorded before it (vulkan_backend.cc), so it takes this layer's input before the next
    // layer writes its output into the same slot.
    if (off) be_->read(tr_.host_ckpt.data() + l * N * C, call.xin, N * C);
  }
  const DPtr<float> xL = g.ckpt + (off ? c.layers % 2 : c.layers) * N * C;
  be_->rmsnorm_forward(g.hf, g.rstdf, xL, final_norm_.ptr(), N, C, static_cast<float>(c.rms_eps));
  LATHE_RETURN_IF_ERROR(be_->logsoftmax_gather_forward(g.logp, g.lse, g.hf, head_for(true), g.targets, N, logits_chunk(N, c.vocab), g.logits));
  LATHE_RETURN_IF_ERROR(be_->sync());  // a device backend runs the recorded ops here and reports their errors
  be_->read(logp, g.logp, N);
  LATHE_RETURN_IF_ERROR(be_->sync());
  tr_.pending = true;
  return Status::Ok();
}

Status Model::backward(const float* seeds, const CancelFlag& cancel) {
  const auto& c = cfg_;
  if (!tr_.pending) return Status::error("no_forward", "backward() needs a forward({keepForBackward}) first", "Call forward with keepForBackward before backward.");
  const int64_t N = tr_.N, C = c.hidden;
  TrainBufs& g = tr_.b;
  tr_.pending = false;
  be_->write(g.seeds, seeds, N);
  // A trainable head gets its gradient from the same softmax; tied, it is the embedding table's gradient buffer.
  const DPtr<float> dhead = !train_tables_ ? DPtr<float>{} : c.tie_embeddings ? temb_.g.ptr() : thead_.g.ptr();
  LATHE_RETURN_IF_ERROR(be_->logsoftmax_gather_backward(g.dh, g.seeds, g.hf, head_for(true), g.targets, g.lse, N,
                                                        logits_chunk(N, c.vocab), g.logits, false, dhead));
  DPtr<float> dx = g.dx, dx2 = g.dx2;
  be_->fill(dx, 0.f, N * C);
  const bool off = tr_.offload;
  be_->rmsnorm_backward(dx, DPtr<float>{}, g.dh, g.ckpt + (off ? c.layers % 2 : c.layers) * N * C, final_norm_.ptr(), g.rstdf, N, C, false);
  LayerCall call;  // the checkpointing recompute: same inputs as forward_train, output thrown away in dh
  call.B = tr_.B;
  call.T = tr_.T;
  call.pos = g.pos;
  call.seg = tr_.has_seg ? g.seg : DPtr<int32_t>{};
  call.cos = g.cos;
  call.sin = g.sin;
  call.P = tr_.T;
  call.train = true;
  call.dropout_seed = tr_.dropout_seed;
  for (int64_t l = c.layers - 1; l >= 0; --l) {
    if (cancel && cancel->load()) {
      zero_grad();  // a half-accumulated gradient must never reach step()
      return cancelled_status();
    }
    const DPtr<float> xin = g.ckpt + (off ? l % 2 : l) * N * C;
    // An upload runs every op recorded before it (which may still read this slot) and lands before the recompute.
    if (off) be_->write(xin, tr_.host_ckpt.data() + l * N * C, N * C);
    const LayerBufs& S = g.saved[tr_.checkpointing ? 0 : l];
    // Recompute this layer's forward from its stored input (the output goes to a throwaway buffer).
    if (tr_.checkpointing) {
      call.xin = xin;
      call.xout = g.dh;
      LATHE_RETURN_IF_ERROR(layer_forward(l, call, S));
    }
    LATHE_RETURN_IF_ERROR(layer_backward(l, xin, dx, dx2, S));
    std::swap(dx, dx2);
  }
  // dx is now d(embedding output): scattered into the trainable table's rows, in token order.
  if (train_tables_) LATHE_RETURN_IF_ERROR(be_->embedding_backward(temb_.g.ptr(), dx, g.ids, N, c.vocab, C));
  LATHE_RETURN_IF_ERROR(be_->sync());
  tr_.has_grads = true;
  return Status::Ok();
}

Status Model::step(const StepOptions& opt, StepResult& res) {
  res = StepResult{};
  std::vector<backend::GradBuf> grads;
  for (auto& L : layers_)
    for (auto& m : L.lora) {
      if (m.r == 0 || m.dA.size() == 0) continue;
      grads.push_back({m.dA.ptr(), m.dA.size()});
      grads.push_back({m.dB.ptr(), m.dB.size()});
    }
  for (TrainableTable* t : {&temb_, &thead_})
    if (t->g.size()) grads.push_back({t->g.ptr(), t->g.size()});  // one global norm: clipping treats them as one model
  if (grads.empty()) return Status::error("no_adapter", "step() needs a LoRA adapter with gradients", "Load the model with a lora config and run forward + backward first.");
  if (!tr_.has_grads) {
    res.skipped = true;
    res.reason = "no gradients accumulated since the last step";
    res.step = train_step_;
    return Status::Ok();
  }
  res.grad_norm = be_->grad_norm(grads.data(), static_cast<int64_t>(grads.size()));
  LATHE_RETURN_IF_ERROR(be_->sync());  // a device error is an error, not a "non-finite" skipped step
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
  // LoRA+ (Hayou et al. 2024): B learns lora_plus_ratio times faster than A, which the paper finds trains faster.
  cpu::AdamW b = a;
  b.lr = a.lr * opt.lora_plus_ratio;
  for (auto& L : layers_)
    for (auto& m : L.lora) {
      if (m.r == 0 || m.dA.size() == 0) continue;
      be_->adamw_step(m.A.ptr(), m.mA.ptr(), m.vA.ptr(), m.dA.ptr(), m.A.size(), a, clip);
      be_->adamw_step(m.B.ptr(), m.mB.ptr(), m.vB.ptr(), m.dB.ptr(), m.B.size(), b, clip);
    }
  cpu::AdamW at = a;
  if (opt.embedding_lr > 0) at.lr = opt.embedding_lr;
  for (TrainableTable* t : {&temb_, &thead_})
    if (t->g.size()) be_->adamw_step(t->p.ptr(), t->m.ptr(), t->v.ptr(), t->g.ptr(), t->p.size(), at, clip);
  zero_grad();
  res.step = train_step_;
  return be_->sync();
}

Status Model::lora_tensor(int64_t layer, Module m, const std::string& which, std::vector<float>& out) const {
  if (layer < 0 || layer >= static_cast<int64_t>(layers_.size())) return Status::invalid("layer out of range");
  const LoraModule& lm = layers_[layer].lora[static_cast<int>(m)];
  const backend::Array<float>* b = which == "A" ? &lm.A : which == "B" ? &lm.B : which == "dA" ? &lm.dA : which == "dB" ? &lm.dB : nullptr;
  if (!b) return Status::invalid("which must be A, B, dA or dB");
  out = b->to_host();
  return be_->sync();
}

Status Model::set_lora_tensor(int64_t layer, Module m, const std::string& which, const std::vector<float>& in) {
  if (layer < 0 || layer >= static_cast<int64_t>(layers_.size())) return Status::invalid("layer out of range");
  LoraModule& lm = layers_[layer].lora[static_cast<int>(m)];
  backend::Array<float>* b = which == "A" ? &lm.A : which == "B" ? &lm.B : nullptr;
  if (!b || lm.r == 0) return Status::invalid("no LoRA " + which + " on that module");
  if (static_cast<int64_t>(in.size()) != b->size()) return Status::invalid("size mismatch: expected " + std::to_string(b->size()));
  b->upload(in.data(), b->size());
  return be_->sync();
}

}  // namespace lathe::model
