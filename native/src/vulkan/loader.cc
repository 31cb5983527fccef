// Opens libvulkan.so.1 / vulkan-1.dll / libvulkan.1.dylib with dlopen/LoadLibrary and resolves entry points.
#include "vulkan/loader.h"

#include <cstdlib>
#include <mutex>

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace lathe::vk {

namespace {

std::once_flag g_once;
PFN_vkGetInstanceProcAddr g_gipa = nullptr;
std::string g_load_error;

void open_loader() {
#ifdef _WIN32
  HMODULE lib = LoadLibraryA("vulkan-1.dll");
  if (!lib) {
    g_load_error = "vulkan-1.dll not found";
    return;
  }
  g_gipa = reinterpret_cast<PFN_vkGetInstanceProcAddr>(GetProcAddress(lib, "vkGetInstanceProcAddr"));
#else
#ifdef __APPLE__
  const char* names[] = {"libvulkan.1.dylib", "libMoltenVK.dylib"};
#else
  const char* names[] = {"libvulkan.so.1", "libvulkan.so"};
#endif
  // LATHE_VULKAN_LOADER=/path/to/libvulkan.so.1 picks a specific loader (a custom install, or tests of a missing one).
  const char* custom = std::getenv("LATHE_VULKAN_LOADER");
  if (custom && *custom) names[0] = names[1] = custom;
  void* lib = nullptr;
  for (const char* n : names)
    if ((lib = dlopen(n, RTLD_NOW | RTLD_LOCAL))) break;
  if (!lib) {
    const char* e = dlerror();
    g_load_error = std::string("the Vulkan loader (") + names[0] + ") could not be opened: " + (e ? e : "unknown");
    return;
  }
  g_gipa = reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(lib, "vkGetInstanceProcAddr"));
#endif
  // The library stays loaded for the life of the process: drivers keep threads and state inside it.
  if (!g_gipa) g_load_error = "the Vulkan loader has no vkGetInstanceProcAddr";
}

}  // namespace

Status load_global(Fns* f) {
  std::call_once(g_once, open_loader);
  if (!g_gipa)
    return Status::error(status_code::unsupported, g_load_error,
                         "install a GPU driver with Vulkan support (on Debian/Ubuntu: libvulkan1 and "
                         "mesa-vulkan-drivers or the vendor driver); the CPU backend works without it");
  f->vkGetInstanceProcAddr = g_gipa;
#define LATHE_VK_LOAD(name) f->name = reinterpret_cast<PFN_##name>(g_gipa(nullptr, #name));
  LATHE_VK_GLOBAL_FNS(LATHE_VK_LOAD)
#undef LATHE_VK_LOAD
  if (!f->vkCreateInstance || !f->vkEnumerateInstanceExtensionProperties)
    return Status::error(status_code::unsupported, "the Vulkan loader lacks vkCreateInstance",
                         "update the Vulkan loader (libvulkan1) to version 1.2 or later");
  return Status::Ok();
}

Status load_instance(Fns* f, VkInstance instance) {
#define LATHE_VK_LOAD(name)                                                                       \
  f->name = reinterpret_cast<PFN_##name>(f->vkGetInstanceProcAddr(instance, #name));              \
  if (!f->name)                                                                                   \
    return Status::error(status_code::unsupported, "the Vulkan driver lacks " #name,              \
                         "update the GPU driver: Lathe needs Vulkan 1.2");
  LATHE_VK_INSTANCE_FNS(LATHE_VK_LOAD)
#undef LATHE_VK_LOAD
  return Status::Ok();
}

Status load_device(Fns* f, VkDevice device) {
#define LATHE_VK_LOAD(name)                                                                       \
  f->name = reinterpret_cast<PFN_##name>(f->vkGetDeviceProcAddr(device, #name));                  \
  if (!f->name)                                                                                   \
    return Status::error(status_code::unsupported, "the Vulkan driver lacks " #name,              \
                         "update the GPU driver: Lathe needs Vulkan 1.2");
  LATHE_VK_DEVICE_FNS(LATHE_VK_LOAD)
#undef LATHE_VK_LOAD
  return Status::Ok();
}

const char* result_name(VkResult r) {
  switch (r) {
    case VK_SUCCESS: return "VK_SUCCESS";
    case VK_NOT_READY: return "VK_NOT_READY";
    case VK_TIMEOUT: return "VK_TIMEOUT";
    case VK_INCOMPLETE: return "VK_INCOMPLETE";
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
    case VK_ERROR_MEMORY_MAP_FAILED: return "VK_ERROR_MEMORY_MAP_FAILED";
    case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT";
    case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
    case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
    case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER";
    case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS";
    case VK_ERROR_FORMAT_NOT_SUPPORTED: return "VK_ERROR_FORMAT_NOT_SUPPORTED";
    case VK_ERROR_FRAGMENTED_POOL: return "VK_ERROR_FRAGMENTED_POOL";
    case VK_ERROR_OUT_OF_POOL_MEMORY: return "VK_ERROR_OUT_OF_POOL_MEMORY";
    default: return "VK_ERROR_UNKNOWN";
  }
}

Status vk_error(const std::string& what, VkResult r) {
  std::string msg = what + " failed: " + result_name(r);
  switch (r) {
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
      return Status::error(status_code::out_of_memory, msg,
                           "the GPU is out of memory: lower the LoRA rank, micro-batch or sequence length, or close "
                           "other programs using the GPU");
    case VK_ERROR_OUT_OF_HOST_MEMORY:
      return Status::error(status_code::out_of_memory, msg, "the system is out of memory: close other programs");
    case VK_ERROR_DEVICE_LOST:
      return Status::error(status_code::internal, msg,
                           "the GPU driver reset the device (a hang or a driver crash); update the driver, and on "
                           "Windows consider raising the TDR timeout");
    case VK_ERROR_INCOMPATIBLE_DRIVER:
    case VK_ERROR_INITIALIZATION_FAILED:
      return Status::error(status_code::unsupported, msg, "update the GPU driver: Lathe needs Vulkan 1.2");
    default:
      return Status::error(status_code::internal, msg);
  }
}

}  // namespace lathe::vk
