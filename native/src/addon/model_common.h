// Shared pieces of the model bindings: the engine core (thread pool + the lock that serialises heavy calls) and
// small argument readers.
#pragma once
#include <napi.h>

#include <memory>
#include <mutex>
#include <string>

#include "addon/async.h"
#include "core/threadpool.h"
#include "model/model.h"

namespace lathe::addon {

struct EngineCore {
  std::unique_ptr<ThreadPool> pool;
  std::mutex mu;  // serialises heavy calls of all models on this engine (the pool is not reentrant)
};

inline bool get_bool(const Napi::Object& o, const char* k, bool def) {
  Napi::Value v = o.Get(k);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : def;
}
inline double get_num(const Napi::Object& o, const char* k, double def) {
  Napi::Value v = o.Get(k);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : def;
}
// "q".."down" → module index, -1 when unknown.
inline int module_index(const std::string& mod) {
  static const char* shorts[] = {"q", "k", "v", "o", "gate", "up", "down"};
  for (int m = 0; m < 7; ++m)
    if (mod == shorts[m]) return m;
  return -1;
}

// The checkpointing argument of forwardTrain/planTrain/planModel: true (default: recompute each layer from its stored
// input), false (keep every layer's activations) or 'offload' (checkpointing, the stored inputs in host memory).
// Anything else is an error naming the accepted values (false when thrown).
inline bool parse_checkpointing(Napi::Env env, const Napi::Value& v, const char* fn, bool& ckpt, bool& offload) {
  ckpt = true;
  offload = false;
  if (v.IsUndefined()) return true;
  if (v.IsBoolean()) {
    ckpt = v.As<Napi::Boolean>().Value();
    return true;
  }
  if (v.IsString() && v.As<Napi::String>().Utf8Value() == "offload") {
    offload = true;
    return true;
  }
  const std::string got = v.IsString() ? "'" + v.As<Napi::String>().Utf8Value() + "'" : v.IsNull() ? "null" : v.IsNumber() ? "a number" : "an object";
  throw_invalid(env, std::string(fn) + ": checkpointing must be true, false or 'offload' (got " + got + ")");
  return false;
}

inline Napi::Object plan_to_js(Napi::Env env, const model::MemoryPlan& p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("weights", static_cast<double>(p.weights));
  o.Set("lora", static_cast<double>(p.lora));
  o.Set("kvCache", static_cast<double>(p.kv_cache));
  o.Set("activations", static_cast<double>(p.activations));
  o.Set("scratch", static_cast<double>(p.scratch));
  o.Set("optimizer", static_cast<double>(p.optimizer));
  o.Set("total", static_cast<double>(p.total()));
  o.Set("hostActivations", static_cast<double>(p.host_activations));
  return o;
}

}  // namespace lathe::addon
