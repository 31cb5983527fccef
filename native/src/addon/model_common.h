// Shared pieces of the model bindings: the engine core (thread pool + the lock that serialises heavy calls) and
// small argument readers.
#pragma once
#include <napi.h>

#include <memory>
#include <mutex>
#include <string>

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

inline Napi::Object plan_to_js(Napi::Env env, const model::MemoryPlan& p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("weights", static_cast<double>(p.weights));
  o.Set("lora", static_cast<double>(p.lora));
  o.Set("kvCache", static_cast<double>(p.kv_cache));
  o.Set("activations", static_cast<double>(p.activations));
  o.Set("scratch", static_cast<double>(p.scratch));
  o.Set("optimizer", static_cast<double>(p.optimizer));
  o.Set("total", static_cast<double>(p.total()));
  return o;
}

}  // namespace lathe::addon
