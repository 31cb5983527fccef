// Device string -> backend: "cpu", "vulkan", "vulkan:N" and "auto" (the first discrete Vulkan GPU, else the CPU).
#include <cstdlib>

#include "backend/cpu_backend.h"
#ifdef LATHE_HAVE_VULKAN
#include "backend/vulkan_backend.h"
#endif

namespace lathe::backend {

namespace {

#ifdef LATHE_HAVE_VULKAN
// The device "auto" opens: the first usable discrete GPU (-1: none). Probed once per process (an instance is
// created and destroyed): GPUs do not come and go while the engine runs, and memory plans ask often.
int auto_vulkan_index() {
  static const int index = [] {
    std::vector<vk::DeviceInfo> devs;
    if (!vk::list_devices(&devs, false).ok()) return -1;
    for (const vk::DeviceInfo& d : devs)
      if (d.usable && d.type == vk::DeviceType::discrete) return d.index;
    return -1;
  }();
  return index;
}
#endif

// "vulkan" -> -1 (best device), "vulkan:N" -> N; false when the string is neither.
bool parse_vulkan(const std::string& device, int* index) {
  if (device == "vulkan") { *index = -1; return true; }
  if (device.rfind("vulkan:", 0) != 0 || device.size() == 7 || device.size() > 10) return false;
  int n = 0;
  for (size_t i = 7; i < device.size(); ++i) {
    if (device[i] < '0' || device[i] > '9') return false;
    n = n * 10 + (device[i] - '0');
  }
  *index = n;
  return true;
}

}  // namespace

Status make_backend(const std::string& device, ThreadPool* pool, std::unique_ptr<Backend>& out) {
  if (device.empty() || device == "cpu") {
    out = std::make_unique<CpuBackend>(pool);
    return Status::Ok();
  }
  if (device == "auto") {
#ifdef LATHE_HAVE_VULKAN
    // A GPU only when it is a real discrete one: an integrated GPU shares the CPU's memory bandwidth and a CPU device
    // (lavapipe) is slower than the CPU backend, so "auto" keeps those on the CPU. A discrete GPU that fails to start
    // falls back to the CPU too; info().backend names what was chosen.
    const int index = auto_vulkan_index();
    if (index >= 0 && VulkanBackend::create(index, out).ok()) return Status::Ok();
#endif
    out = std::make_unique<CpuBackend>(pool);
    return Status::Ok();
  }
  int index = -1;
  if (parse_vulkan(device, &index)) {
#ifdef LATHE_HAVE_VULKAN
    return VulkanBackend::create(index, out);
#else
    return Status::error(status_code::unsupported, "device \"" + device + "\": this build of the engine has no Vulkan backend",
                         "Install the Vulkan headers and glslc (Debian: libvulkan-dev glslc), then rebuild with npm run "
                         "build:native; or use device \"cpu\".");
#endif
  }
  return Status::invalid("device \"" + device + "\" is not known (known: auto, cpu, vulkan, vulkan:N)",
                         "Use \"cpu\", \"auto\", \"vulkan\" or \"vulkan:N\" with N from `lathe info`.");
}

bool device_holds_weights(const std::string& device) {
  int index = -1;
  if (parse_vulkan(device, &index)) return true;
#ifdef LATHE_HAVE_VULKAN
  if (device == "auto") return auto_vulkan_index() >= 0;
#endif
  return false;
}

}  // namespace lathe::backend
