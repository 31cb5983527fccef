// Model bindings: argument checks on the JS thread, heavy work on libuv worker threads (PromiseWorker / progress
// worker), one operation at a time per engine (its thread pool is not reentrant), errors as JS Errors with code + hint.
#include "addon/model_binding.h"

#include <memory>
#include <mutex>

#include "addon/async.h"
#include "addon/model_common.h"
#include "addon/options.h"
#include "addon/train_binding.h"
#include "model/model.h"

namespace lathe::addon {

namespace {

using model::Model;

class EngineWrap : public Napi::ObjectWrap<EngineWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "Engine", {InstanceMethod("threads", &EngineWrap::threads)});
  }
  explicit EngineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineWrap>(info) {
    int n = 0;
    if (info.Length() > 0 && info[0].IsNumber()) n = info[0].As<Napi::Number>().Int32Value();
    if (n <= 0) n = ThreadPool::hardware_threads();
    if (n > 256) n = 256;
    core_ = std::make_shared<EngineCore>();
    core_->pool = std::make_unique<ThreadPool>(n);
  }
  std::shared_ptr<EngineCore> core() const { return core_; }

 private:
  Napi::Value threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), core_->pool->size()); }
  std::shared_ptr<EngineCore> core_;
};

Napi::Object info_to_js(Napi::Env env, const Model& m) {
  const auto& c = m.config();
  Napi::Object o = Napi::Object::New(env);
  o.Set("architecture", model::arch_name(c.arch));
  o.Set("vocabSize", static_cast<double>(c.vocab));
  o.Set("hiddenSize", static_cast<double>(c.hidden));
  o.Set("intermediateSize", static_cast<double>(c.intermediate));
  o.Set("layers", static_cast<double>(c.layers));
  o.Set("heads", static_cast<double>(c.n_heads));
  o.Set("kvHeads", static_cast<double>(c.n_kv_heads));
  o.Set("headDim", static_cast<double>(c.head_dim));
  o.Set("ropeTheta", c.rope_theta);
  o.Set("ropeScaling", c.rope.type);
  o.Set("rmsNormEps", c.rms_eps);
  o.Set("tiedEmbeddings", c.tie_embeddings);
  o.Set("maxPositionEmbeddings", static_cast<double>(c.max_position));
  o.Set("parameters", static_cast<double>(m.info().parameters));
  o.Set("loraParameters", static_cast<double>(m.info().lora_parameters));
  o.Set("storageDtype", m.info().storage_dtype);
  o.Set("quant", model::quant_name(m.quant()));
  o.Set("maxSeqLen", static_cast<double>(m.max_seq_len()));
  o.Set("hasAdapter", m.has_adapter());
  o.Set("backend", m.backend_name());
  return o;
}


class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "Model", {
        InstanceMethod("load", &ModelWrap::load),
        InstanceMethod("info", &ModelWrap::info),
        InstanceMethod("plan", &ModelWrap::plan),
        InstanceMethod("memory", &ModelWrap::memory),
        InstanceMethod("resetPeak", &ModelWrap::reset_peak),
        InstanceMethod("logprobs", &ModelWrap::logprobs),
        InstanceMethod("topk", &ModelWrap::topk),
        InstanceMethod("generate", &ModelWrap::generate),
        InstanceMethod("generateGroup", &ModelWrap::generate_group),
        InstanceMethod("initLora", &ModelWrap::init_lora),
        InstanceMethod("clearLora", &ModelWrap::clear_lora),
        InstanceMethod("loadAdapter", &ModelWrap::load_adapter),
        InstanceMethod("saveAdapter", &ModelWrap::save_adapter),
        InstanceMethod("dequantizedWeight", &ModelWrap::dequantized_weight),
        InstanceMethod("close", &ModelWrap::close),
        InstanceMethod("forwardTrain", &ModelWrap::forward_train),
        InstanceMethod("backward", &ModelWrap::backward),
        InstanceMethod("step", &ModelWrap::step),
        InstanceMethod("zeroGrad", &ModelWrap::zero_grad),
        InstanceMethod("planTrain", &ModelWrap::plan_train),
        InstanceMethod("loraTensor", &ModelWrap::lora_tensor),
        InstanceMethod("setLoraTensor", &ModelWrap::set_lora_tensor),
        InstanceMethod("saveState", &ModelWrap::save_state),
        InstanceMethod("loadState", &ModelWrap::load_state),
    });
  }

  explicit ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
    if (info.Length() < 1 || !info[0].IsObject()) { throw_invalid(info.Env(), "new Model(engine): engine is required"); return; }
    EngineWrap* e = nullptr;
    if (napi_unwrap(info.Env(), info[0], reinterpret_cast<void**>(&e)) != napi_ok || !e) { throw_invalid(info.Env(), "new Model(engine): not an Engine"); return; }
    engine_ = e->core();
  }

 private:
  // A loaded model, or an error for calls made before load()/after close().
  bool ready(Napi::Env env) {
    if (model_ && loaded_) return true;
    status_to_error(env, Status::error("model_not_loaded", "the model is not loaded (or was closed)", "Call load() first.")).ThrowAsJavaScriptException();
    return false;
  }

  Napi::Value load(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (model_) return throw_invalid(env, "load() was already called on this Model; create a new one");
    if (info.Length() < 1 || !info[0].IsString()) return throw_invalid(env, "load(dir, options): dir must be a string");
    std::string dir = info[0].As<Napi::String>().Utf8Value();
    model::LoadOptions opt;
    if (info.Length() > 1 && info[1].IsObject()) {
      Napi::Object o = info[1].As<Napi::Object>();
      Napi::Value q = o.Get("quant");
      std::string qs = q.IsString() ? q.As<Napi::String>().Utf8Value() : "none";
      if (qs == "none") opt.quant = model::Quant::none;
      else if (qs == "nf4") opt.quant = model::Quant::nf4;
      else if (qs == "int8") opt.quant = model::Quant::int8;
      else return throw_invalid(env, "quant must be none, nf4 or int8 (got \"" + qs + "\")");
      opt.max_seq_len = static_cast<int64_t>(get_num(o, "maxSeqLen", 4096));
      Napi::Value dev = o.Get("device");  // "cpu" | "auto" | "vulkan[:N]"; the backend checks it and names what is accepted
      if (!dev.IsUndefined() && !dev.IsString()) return throw_invalid(env, "device must be a string such as \"cpu\", \"auto\" or \"vulkan\"");
      if (dev.IsString()) opt.device = dev.As<Napi::String>().Utf8Value();
      if (!parse_lora_optional(env, o.Get("lora"), opt.lora)) return env.Undefined();
    }
    model_ = std::make_shared<Model>();
    auto m = model_;
    auto core = engine_;
    Napi::ObjectReference self = Napi::Persistent(Value());
    auto selfp = std::make_shared<Napi::ObjectReference>(std::move(self));
    CancelFlag cancel = cancel_flag_from(info.Length() > 2 ? info[2] : env.Undefined());
    return run_async(env, [m, core, dir, opt, cancel]() {
      std::lock_guard<std::mutex> lk(core->mu);
      return m->load(dir, opt, core->pool.get(), cancel);
    }, [this, m, selfp](Napi::Env env) -> Napi::Value {
      loaded_ = true;
      selfp->Reset();
      return info_to_js(env, *m);
    });
  }

  Napi::Value info(const Napi::CallbackInfo& info) {
    if (!ready(info.Env())) return info.Env().Undefined();
    return info_to_js(info.Env(), *model_);
  }

  Napi::Value plan(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return throw_invalid(env, "plan(batch, seqLen, mode?)");
    int64_t B = info[0].As<Napi::Number>().Int64Value(), T = info[1].As<Napi::Number>().Int64Value();
    if (B < 1 || T < 1 || B > (1 << 20) || T > (1 << 24)) return throw_invalid(env, "plan: batch and seqLen must be positive");
    bool gen = info.Length() > 2 && info[2].IsString() && info[2].As<Napi::String>().Utf8Value() == "generate";
    int64_t prompt = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Int64Value() : 0;
    if (prompt < 0 || prompt > T) return throw_invalid(env, "plan: promptLen must be in [0, seqLen]");
    model::MemoryPlan p = model_->plan(B, T, gen, prompt);
    return plan_to_js(env, p);
  }

  Napi::Value memory(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    auto& tr = model_->tracker();
    Napi::Object cur = Napi::Object::New(env), peak = Napi::Object::New(env);
    for (int k = 0; k < static_cast<int>(model::ArenaKind::count); ++k) {
      auto a = static_cast<model::ArenaKind>(k);
      cur.Set(model::arena_name(a), static_cast<double>(tr.current(a)));
      peak.Set(model::arena_name(a), static_cast<double>(tr.peak(a)));
    }
    cur.Set("total", static_cast<double>(tr.total_current()));
    peak.Set("total", static_cast<double>(tr.total_peak()));
    Napi::Object o = Napi::Object::New(env);
    o.Set("current", cur);
    o.Set("peak", peak);
    uint64_t used = 0, budget = 0;
    if (model_->device_memory(&used, &budget)) {
      Napi::Object d = Napi::Object::New(env);
      d.Set("usedBytes", static_cast<double>(used));
      d.Set("budgetBytes", static_cast<double>(budget));
      o.Set("device", d);
    }
    return o;
  }

  Napi::Value reset_peak(const Napi::CallbackInfo& info) {
    if (!ready(info.Env())) return info.Env().Undefined();
    model_->tracker().reset_peaks();
    return info.Env().Undefined();
  }

  // logprobs(ids: Int32Array (B*T), batch: number, adapter: boolean, token?) → Promise<Float32Array (B*(T-1))>
  Napi::Value logprobs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    auto ids = std::make_shared<std::vector<int32_t>>();
    if (info.Length() < 1 || !get_int32_array(env, info[0], "ids", *ids)) return env.Undefined();
    int64_t B = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : 1;
    bool adapter = info.Length() > 2 && info[2].IsBoolean() ? info[2].As<Napi::Boolean>().Value() : true;
    CancelFlag cancel = cancel_flag_from(info.Length() > 3 ? info[3] : env.Undefined());
    if (B < 1 || ids->empty() || ids->size() % B != 0) return throw_invalid(env, "logprobs: ids length must be a positive multiple of batch");
    const int64_t T = static_cast<int64_t>(ids->size()) / B;
    auto out = std::make_shared<std::vector<float>>(static_cast<size_t>(B * (T - 1)));
    auto m = model_;
    auto core = engine_;
    return run_async(env, [m, core, ids, B, T, adapter, cancel, out]() {
      std::lock_guard<std::mutex> lk(core->mu);
      return m->logprobs(out->data(), ids->data(), B, T, adapter, cancel);
    }, [out](Napi::Env env) -> Napi::Value {
      Napi::Float32Array a = Napi::Float32Array::New(env, out->size());
      std::copy(out->begin(), out->end(), a.Data());
      return a;
    });
  }

  // topk(ids: Int32Array (T), k: number, adapter: boolean, token?) →
  //   Promise<{ids: Int32Array ((T-1)*k), logprobs: Float32Array ((T-1)*k), targetLogprobs: Float32Array (T-1)}>
  Napi::Value topk(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    auto ids = std::make_shared<std::vector<int32_t>>();
    if (info.Length() < 1 || !get_int32_array(env, info[0], "ids", *ids)) return env.Undefined();
    int64_t k = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : 5;
    bool adapter = info.Length() > 2 && info[2].IsBoolean() ? info[2].As<Napi::Boolean>().Value() : true;
    CancelFlag cancel = cancel_flag_from(info.Length() > 3 ? info[3] : env.Undefined());
    const int64_t T = static_cast<int64_t>(ids->size());
    if (T < 2) return throw_invalid(env, "topk: ids needs at least 2 tokens");
    if (k < 1 || k > 100) return throw_invalid(env, "topk: k must be in [1, 100]");
    auto top_ids = std::make_shared<std::vector<int32_t>>(static_cast<size_t>((T - 1) * k));
    auto top_lp = std::make_shared<std::vector<float>>(static_cast<size_t>((T - 1) * k));
    auto target = std::make_shared<std::vector<float>>(static_cast<size_t>(T - 1));
    auto m = model_;
    auto core = engine_;
    return run_async(env, [m, core, ids, T, k, adapter, cancel, top_ids, top_lp, target]() {
      std::lock_guard<std::mutex> lk(core->mu);
      return m->topk(top_ids->data(), top_lp->data(), target->data(), ids->data(), T, k, adapter, cancel);
    }, [top_ids, top_lp, target](Napi::Env env) -> Napi::Value {
      Napi::Object o = Napi::Object::New(env);
      Napi::Int32Array a = Napi::Int32Array::New(env, top_ids->size());
      std::copy(top_ids->begin(), top_ids->end(), a.Data());
      Napi::Float32Array b = Napi::Float32Array::New(env, top_lp->size());
      std::copy(top_lp->begin(), top_lp->end(), b.Data());
      Napi::Float32Array c = Napi::Float32Array::New(env, target->size());
      std::copy(target->begin(), target->end(), c.Data());
      o.Set("ids", a);
      o.Set("logprobs", b);
      o.Set("targetLogprobs", c);
      return o;
    });
  }

  Napi::Value generate(const Napi::CallbackInfo& info);
  Napi::Value generate_group(const Napi::CallbackInfo& info);

  Napi::Value init_lora(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    model::LoraConfig lc;
    if (info.Length() < 1 || !info[0].IsObject()) return throw_invalid(env, "initLora(config)");
    if (!parse_lora_optional(env, info[0], lc)) return env.Undefined();
    auto m = model_;
    auto core = engine_;
    return run_async(env, [m, core, lc]() {
      std::lock_guard<std::mutex> lk(core->mu);
      return m->init_lora(lc);
    }, [m](Napi::Env env) -> Napi::Value { return info_to_js(env, *m); });
  }

  Napi::Value clear_lora(const Napi::CallbackInfo& info) {
    if (!ready(info.Env())) return info.Env().Undefined();
    std::lock_guard<std::mutex> lk(engine_->mu);
    model_->clear_lora();
    return info.Env().Undefined();
  }

  Napi::Value load_adapter(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsString()) return throw_invalid(env, "loadAdapter(dir)");
    std::string dir = info[0].As<Napi::String>().Utf8Value();
    auto m = model_;
    auto core = engine_;
    return run_async(env, [m, core, dir]() {
      std::lock_guard<std::mutex> lk(core->mu);
      return m->load_adapter(dir);
    }, [m](Napi::Env env) -> Napi::Value { return info_to_js(env, *m); });
  }

  Napi::Value save_adapter(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsString()) return throw_invalid(env, "saveAdapter(dir, baseModelName?)");
    std::string dir = info[0].As<Napi::String>().Utf8Value();
    std::string base = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
    auto m = model_;
    auto core = engine_;
    return run_async(env, [m, core, dir, base]() {
      std::lock_guard<std::mutex> lk(core->mu);
      return m->save_adapter(dir, base);
    }, nullptr);
  }

  Napi::Value dequantized_weight(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsString()) return throw_invalid(env, "dequantizedWeight(layer, module)");
    int mi = module_index(info[1].As<Napi::String>().Utf8Value());
    if (mi < 0) return throw_invalid(env, "module must be one of q,k,v,o,gate,up,down");
    std::vector<float> w;
    std::lock_guard<std::mutex> lk(engine_->mu);
    Status st = model_->dequantized_weight(info[0].As<Napi::Number>().Int64Value(), static_cast<model::Module>(mi), w);
    if (!st.ok()) { status_to_error(env, st).ThrowAsJavaScriptException(); return env.Undefined(); }
    Napi::Float32Array a = Napi::Float32Array::New(env, w.size());
    std::copy(w.begin(), w.end(), a.Data());
    return a;
  }

  Napi::Value close(const Napi::CallbackInfo& info) {
    // Workers hold their own shared_ptr, so an in-flight call finishes safely; memory goes when the last one ends.
    model_.reset();
    loaded_ = false;
    return info.Env().Undefined();
  }

  // Training bindings live in train_binding.cc.
  Napi::Value forward_train(const Napi::CallbackInfo& info) { return ready(info.Env()) ? train::forward_train(info, model_, engine_) : info.Env().Undefined(); }
  Napi::Value backward(const Napi::CallbackInfo& info) { return ready(info.Env()) ? train::backward(info, model_, engine_) : info.Env().Undefined(); }
  Napi::Value step(const Napi::CallbackInfo& info) { return ready(info.Env()) ? train::step(info, model_, engine_) : info.Env().Undefined(); }
  Napi::Value zero_grad(const Napi::CallbackInfo& info) { return ready(info.Env()) ? train::zero_grad(info, model_, engine_) : info.Env().Undefined(); }
  Napi::Value plan_train(const Napi::CallbackInfo& info) { return ready(info.Env()) ? train::plan_train(info, model_, engine_) : info.Env().Undefined(); }
  Napi::Value lora_tensor(const Napi::CallbackInfo& info) { return ready(info.Env()) ? train::lora_tensor(info, model_, engine_) : info.Env().Undefined(); }
  Napi::Value set_lora_tensor(const Napi::CallbackInfo& info) { return ready(info.Env()) ? train::set_lora_tensor(info, model_, engine_) : info.Env().Undefined(); }
  Napi::Value save_state(const Napi::CallbackInfo& info) { return ready(info.Env()) ? train::save_state(info, model_, engine_) : info.Env().Undefined(); }
  Napi::Value load_state(const Napi::CallbackInfo& info) { return ready(info.Env()) ? train::load_state(info, model_, engine_) : info.Env().Undefined(); }

  std::shared_ptr<EngineCore> engine_;
  std::shared_ptr<Model> model_;
  bool loaded_ = false;
};

// Streams each generated token to a JS callback through the progress queue (a thread-safe function underneath).
class GenerateWorker : public Napi::AsyncProgressQueueWorker<int32_t> {
 public:
  GenerateWorker(Napi::Env env, Napi::Function on_token, std::shared_ptr<Model> m, std::shared_ptr<EngineCore> core,
                 std::vector<int32_t> prompt, Model::GenerateOptions opt, CancelFlag cancel)
      : Napi::AsyncProgressQueueWorker<int32_t>(env), deferred_(Napi::Promise::Deferred::New(env)), m_(std::move(m)),
        core_(std::move(core)), prompt_(std::move(prompt)), opt_(std::move(opt)), cancel_(std::move(cancel)) {
    if (!on_token.IsEmpty()) cb_ = Napi::Persistent(on_token);
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& progress) override {
    try {
      std::lock_guard<std::mutex> lk(core_->mu);
      status_ = m_->generate(prompt_, opt_, cancel_, [&](int32_t t) {
        progress.Send(&t, 1);
        return true;
      }, out_, finish_);
    } catch (const std::bad_alloc&) {
      status_ = Status::error(status_code::out_of_memory, "the engine ran out of memory while generating", "Use a shorter context or --quant nf4.");
    } catch (const std::exception& e) {
      status_ = Status::error(status_code::internal, std::string("engine error: ") + e.what(), "This is a bug in Lathe.");
    }
    if (!status_.ok()) SetError(status_.message);
  }
  void OnProgress(const int32_t* data, size_t count) override {
    if (cb_.IsEmpty()) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (size_t i = 0; i < count; ++i) {
      cb_.Call({Napi::Number::New(env, data[i])});
      if (env.IsExceptionPending()) {
        env.GetAndClearPendingException();
        cancel_->store(true);  // a throwing callback stops generation instead of crashing
      }
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Napi::Object o = Napi::Object::New(env);
    Napi::Int32Array a = Napi::Int32Array::New(env, out_.size());
    std::copy(out_.begin(), out_.end(), a.Data());
    o.Set("tokens", a);
    o.Set("finishReason", finish_);
    deferred_.Resolve(o);
  }
  void OnError(const Napi::Error&) override {
    Napi::HandleScope scope(Env());
    deferred_.Reject(status_to_error(Env(), status_).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::FunctionReference cb_;
  std::shared_ptr<Model> m_;
  std::shared_ptr<EngineCore> core_;
  std::vector<int32_t> prompt_;
  Model::GenerateOptions opt_;
  CancelFlag cancel_;
  Status status_;
  std::vector<int32_t> out_;
  std::string finish_;
};

// {maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, seed, stop, adapter} → GenerateOptions; false (a
// JS exception is pending) when an option is invalid.
static bool parse_generate_options(Napi::Env env, const Napi::Value& v, Model::GenerateOptions& opt) {
  if (v.IsObject()) {
    Napi::Object o = v.As<Napi::Object>();
    opt.max_new_tokens = static_cast<int64_t>(get_num(o, "maxNewTokens", 128));
    opt.sampling.temperature = static_cast<float>(get_num(o, "temperature", 0));
    opt.sampling.top_k = static_cast<int>(get_num(o, "topK", 0));
    opt.sampling.top_p = static_cast<float>(get_num(o, "topP", 1));
    opt.sampling.min_p = static_cast<float>(get_num(o, "minP", 0));
    opt.sampling.repetition_penalty = static_cast<float>(get_num(o, "repetitionPenalty", 1));
    opt.sampling.seed = static_cast<uint64_t>(get_num(o, "seed", 0));
    opt.adapter = get_bool(o, "adapter", true);
    Napi::Value stop = o.Get("stop");
    if (!stop.IsUndefined() && !stop.IsNull() && !get_int32_array(env, stop, "stop", opt.stop)) return false;
    if (opt.max_new_tokens < 0 || opt.sampling.temperature < 0 || opt.sampling.top_k < 0 || !(opt.sampling.top_p > 0 && opt.sampling.top_p <= 1) ||
        opt.sampling.min_p < 0 || opt.sampling.min_p > 1 || !(opt.sampling.repetition_penalty > 0)) {
      throw_invalid(env, "generate: invalid sampling options (maxNewTokens >= 0, temperature >= 0, topK >= 0, 0 < topP <= 1, 0 <= minP <= 1, repetitionPenalty > 0)");
      return false;
    }
  }
  return true;
}

// generate(ids, {maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, seed, stop, adapter}, onToken?, token?)
Napi::Value ModelWrap::generate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ready(env)) return env.Undefined();
  std::vector<int32_t> prompt;
  if (info.Length() < 1 || !get_int32_array(env, info[0], "ids", prompt)) return env.Undefined();
  Model::GenerateOptions opt;
  if (!parse_generate_options(env, info.Length() > 1 ? info[1] : env.Undefined(), opt)) return env.Undefined();
  Napi::Function cb;
  if (info.Length() > 2 && info[2].IsFunction()) cb = info[2].As<Napi::Function>();
  CancelFlag cancel = cancel_flag_from(info.Length() > 3 ? info[3] : env.Undefined());
  auto* w = new GenerateWorker(env, cb, model_, engine_, std::move(prompt), std::move(opt), cancel);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// generateGroup(ids, options (as generate), seeds: number[], token?) → Promise<{tokens: Int32Array[], finishReasons}>:
// one completion per seed from one prefill, the members decoding together (Model::generate_group).
Napi::Value ModelWrap::generate_group(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ready(env)) return env.Undefined();
  std::vector<int32_t> prompt;
  if (info.Length() < 3 || !get_int32_array(env, info[0], "ids", prompt)) return env.Undefined();
  Model::GenerateOptions opt;
  if (!parse_generate_options(env, info[1], opt)) return env.Undefined();
  if (!info[2].IsArray()) return throw_invalid(env, "generateGroup: seeds must be an array of numbers, one per completion");
  Napi::Array sa = info[2].As<Napi::Array>();
  std::vector<uint64_t> seeds;
  for (uint32_t i = 0; i < sa.Length(); ++i) {
    Napi::Value s = sa.Get(i);
    if (!s.IsNumber() || s.As<Napi::Number>().DoubleValue() < 0) return throw_invalid(env, "generateGroup: seeds[" + std::to_string(i) + "] must be a non-negative number");
    seeds.push_back(static_cast<uint64_t>(s.As<Napi::Number>().DoubleValue()));
  }
  CancelFlag cancel = cancel_flag_from(info.Length() > 3 ? info[3] : env.Undefined());
  auto m = model_;
  auto core = engine_;
  auto out = std::make_shared<std::vector<std::vector<int32_t>>>();
  auto reasons = std::make_shared<std::vector<std::string>>();
  return run_async(env, [m, core, prompt, opt, seeds, cancel, out, reasons]() {
    std::lock_guard<std::mutex> lk(core->mu);
    return m->generate_group(prompt, opt, seeds, cancel, *out, *reasons);
  }, [out, reasons](Napi::Env env) -> Napi::Value {
    Napi::Object o = Napi::Object::New(env);
    Napi::Array toks = Napi::Array::New(env, out->size());
    Napi::Array fr = Napi::Array::New(env, reasons->size());
    for (size_t g = 0; g < out->size(); ++g) {
      Napi::Int32Array a = Napi::Int32Array::New(env, (*out)[g].size());
      std::copy((*out)[g].begin(), (*out)[g].end(), a.Data());
      toks.Set(static_cast<uint32_t>(g), a);
      fr.Set(static_cast<uint32_t>(g), (*reasons)[g]);
    }
    o.Set("tokens", toks);
    o.Set("finishReasons", fr);
    return o;
  });
}

}  // namespace

void register_model(Napi::Env env, Napi::Object exports) {
  exports.Set("optionKeys", Napi::Function::New(env, option_keys, "optionKeys"));
  exports.Set("Engine", EngineWrap::define(env));
  exports.Set("Model", ModelWrap::define(env));
  exports.Set("CancelToken", CancelToken::define(env));
}

}  // namespace lathe::addon
