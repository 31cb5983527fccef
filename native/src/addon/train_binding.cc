// N-API bindings for training: forwardTrain, backward, step, zeroGrad, planTrain, LoRA tensor access,
// saveState/loadState. Called from ModelWrap (model_binding.cc) once the model is loaded.
#include "addon/train_binding.h"

#include "addon/options.h"

#include <mutex>

#include "addon/async.h"
#include "addon/model_common.h"

namespace lathe::addon::train {

using model::Model;

// forwardTrain(ids Int32Array (B*T), targets Int32Array (B*T, -1 = none), batch, checkpointing (true|false|'offload'),
//              dropoutSeed, token?,
//              positions? Int32Array (B*T), segments? Int32Array (B*T))
//   → Promise<Float32Array (B*T)>; keeps what backward needs. positions/segments describe packed rows.
Napi::Value forward_train(const Napi::CallbackInfo& info, const std::shared_ptr<Model>& model_, const std::shared_ptr<EngineCore>& engine_) {
  Napi::Env env = info.Env();
  auto ids = std::make_shared<std::vector<int32_t>>();
  auto tg = std::make_shared<std::vector<int32_t>>();
  if (info.Length() < 2 || !get_int32_array(env, info[0], "ids", *ids) || !get_int32_array(env, info[1], "targets", *tg)) return env.Undefined();
  int64_t B = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int64Value() : 1;
  bool ckpt, offload;
  if (!parse_checkpointing(env, info.Length() > 3 ? info[3] : env.Undefined(), "forwardTrain", ckpt, offload)) return env.Undefined();
  uint64_t seed = info.Length() > 4 && info[4].IsNumber() ? static_cast<uint64_t>(info[4].As<Napi::Number>().Int64Value()) : 0;
  CancelFlag cancel = cancel_flag_from(info.Length() > 5 ? info[5] : env.Undefined());
  if (B < 1 || ids->empty() || ids->size() % B != 0 || tg->size() != ids->size()) return throw_invalid(env, "forwardTrain: ids and targets must have the same length, a multiple of batch");
  auto pos = std::make_shared<std::vector<int32_t>>();
  auto seg = std::make_shared<std::vector<int32_t>>();
  if (info.Length() > 6 && !info[6].IsUndefined() && !info[6].IsNull() && !get_int32_array(env, info[6], "positions", *pos)) return env.Undefined();
  if (info.Length() > 7 && !info[7].IsUndefined() && !info[7].IsNull() && !get_int32_array(env, info[7], "segments", *seg)) return env.Undefined();
  if ((!pos->empty() && pos->size() != ids->size()) || (!seg->empty() && seg->size() != ids->size()))
    return throw_invalid(env, "forwardTrain: positions and segments must have one entry per token");
  const int64_t T = static_cast<int64_t>(ids->size()) / B;
  auto out = std::make_shared<std::vector<float>>(ids->size());
  auto m = model_;
  auto core = engine_;
  return run_async(env, [m, core, ids, tg, B, T, ckpt, offload, seed, cancel, out, pos, seg]() {
    std::lock_guard<std::mutex> lk(core->mu);
    return m->forward_train(out->data(), ids->data(), tg->data(), B, T, ckpt, offload, seed, cancel, pos->empty() ? nullptr : pos->data(),
                            seg->empty() ? nullptr : seg->data());
  }, [out](Napi::Env env) -> Napi::Value {
    Napi::Float32Array a = Napi::Float32Array::New(env, out->size());
    std::copy(out->begin(), out->end(), a.Data());
    return a;
  });
}

// backward(seeds Float32Array (B*T) = dLoss/dlogp, token?) → Promise<void>; accumulates LoRA gradients.
Napi::Value backward(const Napi::CallbackInfo& info, const std::shared_ptr<Model>& model_, const std::shared_ptr<EngineCore>& engine_) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    return throw_invalid(env, "backward(seeds: Float32Array)");
  Napi::Float32Array a = info[0].As<Napi::Float32Array>();
  auto seeds = std::make_shared<std::vector<float>>(a.Data(), a.Data() + a.ElementLength());
  CancelFlag cancel = cancel_flag_from(info.Length() > 1 ? info[1] : env.Undefined());
  auto m = model_;
  auto core = engine_;
  return run_async(env, [m, core, seeds, cancel]() {
    std::lock_guard<std::mutex> lk(core->mu);
    return m->backward(seeds->data(), cancel);
  }, nullptr);
}

// step({lr, beta1, beta2, eps, weightDecay, maxGradNorm, embeddingLr, loraPlusRatio}: every key) → Promise<{gradNorm, skipped, reason, step}>
Napi::Value step(const Napi::CallbackInfo& info, const std::shared_ptr<Model>& model_, const std::shared_ptr<EngineCore>& engine_) {
  Napi::Env env = info.Env();
  model::StepOptions o;
  if (!parse_step_strict(env, info.Length() > 0 ? info[0] : env.Undefined(), o)) return env.Undefined();
  auto res = std::make_shared<model::StepResult>();
  auto m = model_;
  auto core = engine_;
  return run_async(env, [m, core, o, res]() {
    std::lock_guard<std::mutex> lk(core->mu);
    return m->step(o, *res);
  }, [res](Napi::Env env) -> Napi::Value {
    Napi::Object r = Napi::Object::New(env);
    r.Set("gradNorm", res->grad_norm);
    r.Set("skipped", res->skipped);
    if (!res->reason.empty()) r.Set("reason", res->reason);
    r.Set("step", static_cast<double>(res->step));
    return r;
  });
}

Napi::Value zero_grad(const Napi::CallbackInfo& info, const std::shared_ptr<Model>& model_, const std::shared_ptr<EngineCore>& engine_) {
  std::lock_guard<std::mutex> lk(engine_->mu);
  model_->zero_grad();
  return info.Env().Undefined();
}

Napi::Value plan_train(const Napi::CallbackInfo& info, const std::shared_ptr<Model>& model_, const std::shared_ptr<EngineCore>& engine_) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return throw_invalid(env, "planTrain(batch, seqLen, checkpointing)");
  int64_t B = info[0].As<Napi::Number>().Int64Value(), T = info[1].As<Napi::Number>().Int64Value();
  if (B < 1 || T < 1) return throw_invalid(env, "planTrain: batch and seqLen must be positive");
  bool ckpt, offload;
  if (!parse_checkpointing(env, info.Length() > 2 ? info[2] : env.Undefined(), "planTrain", ckpt, offload)) return env.Undefined();
  model::MemoryPlan p = model_->plan_train(B, T, ckpt, offload);
  return plan_to_js(env, p);
}

// loraTensor(layer, module, 'A'|'B'|'dA'|'dB') → Float32Array (tests, export)
Napi::Value lora_tensor(const Napi::CallbackInfo& info, const std::shared_ptr<Model>& model_, const std::shared_ptr<EngineCore>& engine_) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsString()) return throw_invalid(env, "loraTensor(layer, module, which)");
  const std::string mod = info[1].As<Napi::String>().Utf8Value();
  if (mod == "embed_tokens" || mod == "lm_head") {  // trainable tables: which 'A' = parameters, 'dA' = gradient
    const std::string w = info[2].As<Napi::String>().Utf8Value();
    std::vector<float> v;
    std::lock_guard<std::mutex> lk(engine_->mu);
    Status st = model_->table_tensor(mod, w == "dA" || w == "g" ? "g" : "p", v);
    if (!st.ok()) { status_to_error(env, st).ThrowAsJavaScriptException(); return env.Undefined(); }
    Napi::Float32Array a = Napi::Float32Array::New(env, v.size());
    std::copy(v.begin(), v.end(), a.Data());
    return a;
  }
  int mi = module_index(mod);
  if (mi < 0) return throw_invalid(env, "module must be one of q,k,v,o,gate,up,down");
  std::vector<float> v;
  std::lock_guard<std::mutex> lk(engine_->mu);
  Status st = model_->lora_tensor(info[0].As<Napi::Number>().Int64Value(), static_cast<model::Module>(mi), info[2].As<Napi::String>().Utf8Value(), v);
  if (!st.ok()) { status_to_error(env, st).ThrowAsJavaScriptException(); return env.Undefined(); }
  Napi::Float32Array a = Napi::Float32Array::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

// setLoraTensor(layer, module, 'A'|'B', Float32Array)
Napi::Value set_lora_tensor(const Napi::CallbackInfo& info, const std::shared_ptr<Model>& model_, const std::shared_ptr<EngineCore>& engine_) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsString() || !info[3].IsTypedArray())
    return throw_invalid(env, "setLoraTensor(layer, module, which, values: Float32Array)");
  const std::string mod = info[1].As<Napi::String>().Utf8Value();
  if (mod == "embed_tokens" || mod == "lm_head") {
    Napi::Float32Array a = info[3].As<Napi::Float32Array>();
    std::vector<float> v(a.Data(), a.Data() + a.ElementLength());
    std::lock_guard<std::mutex> lk(engine_->mu);
    Status st = model_->set_table_tensor(mod, v);
    if (!st.ok()) { status_to_error(env, st).ThrowAsJavaScriptException(); return env.Undefined(); }
    return env.Undefined();
  }
  int mi = module_index(mod);
  if (mi < 0) return throw_invalid(env, "module must be one of q,k,v,o,gate,up,down");
  Napi::Float32Array a = info[3].As<Napi::Float32Array>();
  std::vector<float> v(a.Data(), a.Data() + a.ElementLength());
  std::lock_guard<std::mutex> lk(engine_->mu);
  Status st = model_->set_lora_tensor(info[0].As<Napi::Number>().Int64Value(), static_cast<model::Module>(mi), info[2].As<Napi::String>().Utf8Value(), v);
  if (!st.ok()) { status_to_error(env, st).ThrowAsJavaScriptException(); return env.Undefined(); }
  return env.Undefined();
}

// saveState(path, rng: number) → Promise<void>; loadState(path) → Promise<{rng, step}>
Napi::Value save_state(const Napi::CallbackInfo& info, const std::shared_ptr<Model>& model_, const std::shared_ptr<EngineCore>& engine_) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return throw_invalid(env, "saveState(path, rng?)");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  uint64_t rng = info.Length() > 1 && info[1].IsNumber() ? static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value()) : 0;
  auto m = model_;
  auto core = engine_;
  return run_async(env, [m, core, path, rng]() {
    std::lock_guard<std::mutex> lk(core->mu);
    return m->save_state(path, rng);
  }, nullptr);
}

Napi::Value load_state(const Napi::CallbackInfo& info, const std::shared_ptr<Model>& model_, const std::shared_ptr<EngineCore>& engine_) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return throw_invalid(env, "loadState(path)");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  auto rng = std::make_shared<uint64_t>(0);
  auto m = model_;
  auto core = engine_;
  return run_async(env, [m, core, path, rng]() {
    std::lock_guard<std::mutex> lk(core->mu);
    return m->load_state(path, *rng);
  }, [m, rng](Napi::Env env) -> Napi::Value {
    Napi::Object o = Napi::Object::New(env);
    o.Set("rng", static_cast<double>(*rng));
    o.Set("step", static_cast<double>(m->optimizer_steps()));
    return o;
  });
}


}  // namespace lathe::addon::train
