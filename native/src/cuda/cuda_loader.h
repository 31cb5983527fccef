// Finds NVIDIA GPUs through the driver (libcuda, loaded at run time) and loads the CUDA backend library only when one is present.
#pragma once
#include <string>
#include <vector>

namespace lathe {

struct GpuDevice {
  int index = 0;
  std::string name;
  unsigned long long memory_bytes = 0;
  int cc_major = 0, cc_minor = 0;
};

struct CudaProbe {
  std::vector<GpuDevice> gpus;
  bool backend_compiled = false;  // the backend library exists at the given path
  bool backend_ready = false;     // loaded, ABI matches, and the self-test kernel ran correctly
  std::string note;               // why the backend is not ready (no driver, no GPU, load error, self-test failure)
};

// backend_path: where the build put liblathe_cuda.so (empty: do not try to load it).
CudaProbe probe_cuda(const std::string& backend_path);

}  // namespace lathe
