// N-API bindings for machine facts: engine version, CPU features, GPUs and backends.
#include "addon/system.h"

#include <thread>

#include "core/cpu_features.h"
#include "cpu/ops.h"
#include "cuda/cuda_loader.h"
#ifdef LATHE_HAVE_VULKAN
#include "vulkan/runtime.h"
#endif

namespace lathe::addon {

static Napi::Value cpu_features_js(const Napi::CallbackInfo& info) {
  const auto& f = cpu_features();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("brand", f.brand);
  o.Set("avx2", f.avx2);
  o.Set("fma", f.fma);
  o.Set("f16c", f.f16c);
  o.Set("avx512f", f.avx512f);
  o.Set("avx512bw", f.avx512bw);
  o.Set("avx512vl", f.avx512vl);
  o.Set("avx512bf16", f.avx512bf16);
  o.Set("amx", f.amx_tile && f.amx_bf16);
  o.Set("isa", cpu::isa_name(cpu::best_isa()));  // the SIMD level the kernels run (LATHE_CPU_ISA may cap it)
  o.Set("hardwareThreads", static_cast<double>(std::thread::hardware_concurrency()));
  return o;
}

#ifdef LATHE_HAVE_VULKAN
// One Vulkan device as JS (NativeVulkanDevice in main/engine/addon.ts).
static Napi::Object vulkan_device_js(Napi::Env env, const vk::DeviceInfo& d) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", d.index);
  o.Set("name", d.name);
  o.Set("type", vk::device_type_name(d.type));
  o.Set("vramBytes", static_cast<double>(d.device_local_bytes));
  if (d.memory_budget_ext) o.Set("budgetBytes", static_cast<double>(d.budget_bytes));
  o.Set("apiVersion", vk::version_string(d.api_version));
  o.Set("driverName", d.driver_name);
  o.Set("driverInfo", d.driver_info);
  o.Set("driverVersion", static_cast<double>(d.driver_version));
  o.Set("subgroupSize", d.subgroup_size);
  o.Set("sharedMemoryBytes", d.max_shared_bytes);
  Napi::Object cm = Napi::Object::New(env);
  cm.Set("nv", d.coopmat_nv);
  cm.Set("khr", d.coopmat_khr);
  o.Set("cooperativeMatrix", cm);
  o.Set("fp16", d.fp16);
  o.Set("usable", d.usable);
  if (!d.usable) o.Set("reason", d.unusable_reason);
  return o;
}
#endif

// probeBackends(cudaLibraryPath?: string) -> { compiled, available, gpus, notes, vulkanDevices }
static Napi::Value probe_backends_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  if (info.Length() > 0 && info[0].IsString()) path = info[0].As<Napi::String>().Utf8Value();
  CudaProbe probe = probe_cuda(path);
  Napi::Object o = Napi::Object::New(env);
  Napi::Array compiled = Napi::Array::New(env);
  compiled.Set(0u, "cpu");
  if (probe.backend_compiled) compiled.Set(1u, "cuda");
  Napi::Array available = Napi::Array::New(env);
  available.Set(0u, "cpu");
  if (probe.backend_ready) available.Set(1u, "cuda");
  Napi::Array gpus = Napi::Array::New(env, probe.gpus.size());
  for (size_t i = 0; i < probe.gpus.size(); ++i) {
    const auto& g = probe.gpus[i];
    Napi::Object go = Napi::Object::New(env);
    go.Set("index", g.index);
    go.Set("name", g.name);
    go.Set("memoryBytes", static_cast<double>(g.memory_bytes));
    go.Set("computeCapability", std::to_string(g.cc_major) + "." + std::to_string(g.cc_minor));
    gpus.Set(static_cast<uint32_t>(i), go);
  }
  Napi::Object notes = Napi::Object::New(env);
  if (!probe.backend_ready) notes.Set("cuda", probe.note);
  Napi::Array vk_devices = Napi::Array::New(env);
#ifdef LATHE_HAVE_VULKAN
  // Listing only: an instance is created and destroyed, no device. CPU devices (lavapipe) are listed but not usable
  // unless LATHE_VULKAN_ALLOW_CPU=1.
  compiled.Set(compiled.Length(), "vulkan");
  std::vector<vk::DeviceInfo> devs;
  Status st = vk::list_devices(&devs);
  bool usable = false;
  for (size_t i = 0; i < devs.size(); ++i) {
    vk_devices.Set(static_cast<uint32_t>(i), vulkan_device_js(env, devs[i]));
    usable = usable || devs[i].usable;
  }
  if (usable) available.Set(available.Length(), "vulkan");
  else if (!st.ok()) notes.Set("vulkan", st.message + (st.hint.empty() ? "" : "; " + st.hint));
  else if (devs.empty()) notes.Set("vulkan", "no Vulkan device found; install the GPU's Vulkan driver");
  else notes.Set("vulkan", "no usable Vulkan device: " + devs[0].name + ": " + devs[0].unusable_reason);
#endif
  o.Set("compiled", compiled);
  o.Set("available", available);
  o.Set("vulkanDevices", vk_devices);
  o.Set("gpus", gpus);
  o.Set("notes", notes);
  return o;
}

void register_system(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::String::New(env, LATHE_VERSION));
  exports.Set("cpuFeatures", Napi::Function::New(env, cpu_features_js, "cpuFeatures"));
  exports.Set("probeBackends", Napi::Function::New(env, probe_backends_js, "probeBackends"));
}

}  // namespace lathe::addon
