// Strict readers of the engine's option objects (see options.h).
#include "addon/options.h"

#include <algorithm>
#include <iterator>

#include "addon/async.h"

namespace lathe::addon {
namespace {

template <size_t N>
std::string key_list(const char* const (&keys)[N]) {
  std::string s;
  for (size_t i = 0; i < N; ++i) s += (i ? ", " : "") + std::string(keys[i]);
  return s;
}

// Every own key of o must be one of keys, and every one of keys must be present.
template <size_t N>
bool check_keys(Napi::Env env, const Napi::Object& o, const char* what, const char* const (&keys)[N]) {
  Napi::Array names = o.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); ++i) {
    std::string k = names.Get(i).As<Napi::String>().Utf8Value();
    if (std::none_of(std::begin(keys), std::end(keys), [&](const char* x) { return k == x; })) {
      throw_invalid(env, std::string(what) + ": unknown key \"" + k + "\" (the keys are " + key_list(keys) + ")");
      return false;
    }
  }
  for (const char* k : keys)
    if (!o.Has(k) || o.Get(k).IsUndefined()) {
      throw_invalid(env, std::string(what) + ": key \"" + k + "\" is missing (every key is required: " + key_list(keys) + ")");
      return false;
    }
  return true;
}

bool num(Napi::Env env, const Napi::Object& o, const char* what, const char* k, double& out) {
  Napi::Value v = o.Get(k);
  if (!v.IsNumber()) { throw_invalid(env, std::string(what) + "." + k + " must be a number"); return false; }
  out = v.As<Napi::Number>().DoubleValue();
  return true;
}

bool flag(Napi::Env env, const Napi::Object& o, const char* what, const char* k, bool& out) {
  Napi::Value v = o.Get(k);
  if (!v.IsBoolean()) { throw_invalid(env, std::string(what) + "." + k + " must be true or false"); return false; }
  out = v.As<Napi::Boolean>().Value();
  return true;
}

}  // namespace

bool parse_lora_strict(Napi::Env env, const Napi::Value& v, model::LoraConfig& lc) {
  if (!v.IsObject()) { throw_invalid(env, "lora must be an object with " + key_list(kLoraKeys)); return false; }
  Napi::Object o = v.As<Napi::Object>();
  if (!check_keys(env, o, "lora", kLoraKeys)) return false;
  double r = 0, alpha = 0, dropout = 0, seed = 0;
  if (!num(env, o, "lora", "r", r) || !num(env, o, "lora", "alpha", alpha) || !num(env, o, "lora", "dropout", dropout) ||
      !num(env, o, "lora", "seed", seed) || !flag(env, o, "lora", "rslora", lc.rslora) || !flag(env, o, "lora", "trainEmbeddings", lc.train_embeddings))
    return false;
  lc.r = static_cast<int64_t>(r);
  lc.alpha = alpha;
  lc.dropout = static_cast<float>(dropout);
  lc.seed = static_cast<uint64_t>(seed);
  Napi::Value t = o.Get("targets");
  if (!t.IsArray()) { throw_invalid(env, "lora.targets must be an array of module names"); return false; }
  Napi::Array a = t.As<Napi::Array>();
  static const char* shorts[] = {"q", "k", "v", "o", "gate", "up", "down"};
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    std::string s = e.IsString() ? e.As<Napi::String>().Utf8Value() : "";
    bool ok = false;
    for (int m = 0; m < 7; ++m)
      if (s == shorts[m] || s == model::module_name(static_cast<model::Module>(m))) { lc.targets[m] = true; ok = true; }
    if (!ok) { throw_invalid(env, "lora.targets[" + std::to_string(i) + "] \"" + s + "\" is not one of q,k,v,o,gate,up,down"); return false; }
  }
  return true;
}

bool parse_lora_optional(Napi::Env env, const Napi::Value& v, model::LoraConfig& lc) {
  return v.IsUndefined() || v.IsNull() || parse_lora_strict(env, v, lc);
}

bool parse_step_strict(Napi::Env env, const Napi::Value& v, model::StepOptions& o) {
  if (!v.IsObject()) { throw_invalid(env, "step options must be an object with " + key_list(kStepKeys)); return false; }
  Napi::Object j = v.As<Napi::Object>();
  if (!check_keys(env, j, "step", kStepKeys)) return false;
  double x[std::size(kStepKeys)];
  for (size_t i = 0; i < std::size(kStepKeys); ++i)
    if (!num(env, j, "step", kStepKeys[i], x[i])) return false;
  o.lr = static_cast<float>(x[0]);
  o.beta1 = static_cast<float>(x[1]);
  o.beta2 = static_cast<float>(x[2]);
  o.eps = static_cast<float>(x[3]);
  o.weight_decay = static_cast<float>(x[4]);
  o.max_grad_norm = static_cast<float>(x[5]);
  o.embedding_lr = static_cast<float>(x[6]);
  o.lora_plus_ratio = static_cast<float>(x[7]);
  return true;
}

Napi::Value option_keys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto list = [&](const auto& keys) {
    Napi::Array a = Napi::Array::New(env, std::size(keys));
    for (size_t i = 0; i < std::size(keys); ++i) a.Set(static_cast<uint32_t>(i), keys[i]);
    return a;
  };
  Napi::Object o = Napi::Object::New(env);
  o.Set("lora", list(kLoraKeys));
  o.Set("step", list(kStepKeys));
  o.Set("maxLoraRank", static_cast<double>(model::kMaxLoraRank));
  return o;
}

}  // namespace lathe::addon
