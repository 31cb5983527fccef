// GPU discovery via the CUDA driver API, resolved with dlopen so the addon has no link-time CUDA dependency.
#include "cuda/cuda_loader.h"

#include <filesystem>
#include <memory>
#include <mutex>

#include "core/platform.h"
#include "cuda/cuda_api.h"

namespace lathe {

namespace {
using cu_init_fn = int (*)(unsigned);
using cu_count_fn = int (*)(int*);
using cu_get_fn = int (*)(int*, int);
using cu_name_fn = int (*)(char*, int, int);
using cu_mem_fn = int (*)(size_t*, int);
using cu_attr_fn = int (*)(int*, int, int);
constexpr int kAttrCcMajor = 75, kAttrCcMinor = 76;  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR/MINOR

#ifdef _WIN32
const char* kDriverLib = "nvcuda.dll";
#else
const char* kDriverLib = "libcuda.so.1";
#endif

// The backend library stays loaded for the life of the process once it passed its self-test.
std::mutex g_mutex;
std::unique_ptr<SharedLibrary> g_backend;
}  // namespace

CudaProbe probe_cuda(const std::string& backend_path) {
  CudaProbe p;
  p.backend_compiled = !backend_path.empty() && std::filesystem::exists(backend_path);
  SharedLibrary driver(kDriverLib);
  if (!driver.ok()) {
    p.note = "no NVIDIA driver found (" + std::string(kDriverLib) + " not loadable)";
    return p;
  }
  auto cu_init = reinterpret_cast<cu_init_fn>(driver.symbol("cuInit"));
  auto cu_count = reinterpret_cast<cu_count_fn>(driver.symbol("cuDeviceGetCount"));
  auto cu_get = reinterpret_cast<cu_get_fn>(driver.symbol("cuDeviceGet"));
  auto cu_name = reinterpret_cast<cu_name_fn>(driver.symbol("cuDeviceGetName"));
  auto cu_mem = reinterpret_cast<cu_mem_fn>(driver.symbol("cuDeviceTotalMem_v2"));
  auto cu_attr = reinterpret_cast<cu_attr_fn>(driver.symbol("cuDeviceGetAttribute"));
  if (!cu_init || !cu_count || !cu_get || !cu_name || !cu_mem || !cu_attr) {
    p.note = "the NVIDIA driver library lacks expected entry points";
    return p;
  }
  int count = 0;
  if (cu_init(0) != 0 || cu_count(&count) != 0 || count == 0) {
    p.note = "the NVIDIA driver reports no usable GPU";
    return p;
  }
  for (int i = 0; i < count; ++i) {
    int dev = 0;
    if (cu_get(&dev, i) != 0) continue;
    GpuDevice g;
    g.index = i;
    char name[256] = {0};
    cu_name(name, sizeof name - 1, dev);
    g.name = name;
    size_t mem = 0;
    cu_mem(&mem, dev);
    g.memory_bytes = mem;
    cu_attr(&g.cc_major, kAttrCcMajor, dev);
    cu_attr(&g.cc_minor, kAttrCcMinor, dev);
    p.gpus.push_back(g);
  }
  if (!p.backend_compiled) {
    p.note = "GPU found but the CUDA backend was not built (nvcc was not found at install time)";
    return p;
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_backend) {
    p.backend_ready = true;
    return p;
  }
  auto lib = std::make_unique<SharedLibrary>(backend_path);
  if (!lib->ok()) {
    p.note = "CUDA backend failed to load: " + lib->error();
    return p;
  }
  auto abi = reinterpret_cast<lathe_cuda_abi_version_fn>(lib->symbol("lathe_cuda_abi_version"));
  auto selftest = reinterpret_cast<lathe_cuda_selftest_fn>(lib->symbol("lathe_cuda_selftest"));
  if (!abi || !selftest || abi() != LATHE_CUDA_ABI_VERSION) {
    p.note = "CUDA backend library is from another build (ABI mismatch); run `npm run build:native`";
    return p;
  }
  char err[512] = {0};
  if (selftest(0, err, sizeof err) != 0) {
    p.note = std::string("CUDA self-test failed: ") + err;
    return p;
  }
  g_backend = std::move(lib);
  p.backend_ready = true;
  return p;
}

}  // namespace lathe
