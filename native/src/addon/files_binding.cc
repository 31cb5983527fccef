// N-API bindings that read a model's files without loading it: planModel (the memory plan from config.json and the
// safetensors headers) and inspectSafetensors (a validated header listing).
#include "addon/files_binding.h"

#include <memory>
#include <string>

#include "addon/async.h"
#include "addon/model_common.h"
#include "addon/options.h"
#include "io/safetensors.h"
#include "model/model.h"

namespace lathe::addon {

namespace {

// inspectSafetensors(path) → Promise<{tensors: [{name, dtype, shape}], metadata}>: the validated header, nothing else.
Napi::Value inspect_safetensors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return throw_invalid(env, "inspectSafetensors(path)");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  auto file = std::make_shared<std::unique_ptr<io::SafetensorsFile>>();
  return run_async(env, [path, file]() {
    Status st;
    *file = io::SafetensorsFile::open(path, st);
    return st;
  }, [file](Napi::Env env) -> Napi::Value {
    Napi::Object o = Napi::Object::New(env);
    const auto& ts = (*file)->tensors();
    Napi::Array arr = Napi::Array::New(env, ts.size());
    for (size_t i = 0; i < ts.size(); ++i) {
      Napi::Object t = Napi::Object::New(env);
      t.Set("name", ts[i].name);
      t.Set("dtype", io::st_dtype_name(ts[i].dtype));
      Napi::Array sh = Napi::Array::New(env, ts[i].shape.size());
      for (size_t k = 0; k < ts[i].shape.size(); ++k) sh.Set(static_cast<uint32_t>(k), static_cast<double>(ts[i].shape[k]));
      t.Set("shape", sh);
      arr.Set(static_cast<uint32_t>(i), t);
    }
    Napi::Object md = Napi::Object::New(env);
    for (const auto& [k, v] : (*file)->metadata()) md.Set(k, v);
    o.Set("tensors", arr);
    o.Set("metadata", md);
    return o;
  });
}

// planModel(dir, {quant, lora, maxSeqLen, storageDtype?}, batch, seqLen, mode: 'score'|'generate'|'train', checkpointing:
//           true|false|'offload')
//   → Promise<plan>: the memory plan from config.json + safetensors headers, nothing loaded or quantized.
Napi::Value plan_model(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsString() || !info[2].IsNumber() || !info[3].IsNumber() || !info[4].IsString())
    return throw_invalid(env, "planModel(dir, options, batch, seqLen, mode, checkpointing?)");
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  model::LoadOptions opt;
  std::string storage_dtype;  // set: plan from config.json alone (no weights on disk yet)
  if (info[1].IsObject()) {
    Napi::Object o = info[1].As<Napi::Object>();
    Napi::Value q = o.Get("quant");
    std::string qs = q.IsString() ? q.As<Napi::String>().Utf8Value() : "none";
    if (qs == "nf4") opt.quant = model::Quant::nf4;
    else if (qs == "int8") opt.quant = model::Quant::int8;
    else if (qs != "none") return throw_invalid(env, "quant must be none, nf4 or int8");
    if (!parse_lora_optional(env, o.Get("lora"), opt.lora)) return env.Undefined();
    Napi::Value dev = o.Get("device");  // a GPU device also holds the weights the CPU maps from the file
    if (dev.IsString()) opt.device = dev.As<Napi::String>().Utf8Value();
    Napi::Value sd = o.Get("storageDtype");
    if (sd.IsString()) {
      storage_dtype = sd.As<Napi::String>().Utf8Value();
      if (storage_dtype != "F32" && storage_dtype != "BF16" && storage_dtype != "F16") return throw_invalid(env, "storageDtype must be F32, BF16 or F16");
    }
  }
  int64_t B = info[2].As<Napi::Number>().Int64Value(), T = info[3].As<Napi::Number>().Int64Value();
  if (B < 1 || T < 1 || B > (1 << 20) || T > (1 << 24)) return throw_invalid(env, "planModel: batch and seqLen must be positive");
  std::string mode = info[4].As<Napi::String>().Utf8Value();
  bool ckpt, offload;
  if (!parse_checkpointing(env, info.Length() > 5 ? info[5] : env.Undefined(), "planModel", ckpt, offload)) return env.Undefined();
  auto m = std::make_shared<model::Model>();
  auto plan = std::make_shared<model::MemoryPlan>();
  return run_async(env, [m, dir, opt, B, T, mode, ckpt, offload, plan, storage_dtype]() {
    LATHE_RETURN_IF_ERROR(storage_dtype.empty() ? m->inspect(dir, opt) : m->inspect_config(dir, opt, storage_dtype));
    *plan = mode == "train" ? m->plan_train(B, T, ckpt, offload) : m->plan(B, T, mode == "generate");
    return Status::Ok();
  }, [plan](Napi::Env env) -> Napi::Value { return plan_to_js(env, *plan); });
}

}  // namespace

void register_files(Napi::Env env, Napi::Object exports) {
  exports.Set("planModel", Napi::Function::New(env, plan_model, "planModel"));
  exports.Set("inspectSafetensors", Napi::Function::New(env, inspect_safetensors, "inspectSafetensors"));
}

}  // namespace lathe::addon
