// Private state of vk::Context shared by the runtime's .cc files (context, buffer, pipeline, recorder); ops never
// include it.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "vulkan/loader.h"
#include "vulkan/runtime.h"

namespace lathe::vk {

struct ContextImpl {
  Fns f;
  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice phys = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t queue_family = 0;
  VkCommandPool pool = VK_NULL_HANDLE;
  VkPipelineCache cache = VK_NULL_HANDLE;
  VkPhysicalDeviceMemoryProperties mem{};
  uint32_t device_type_index = UINT32_MAX;   // memory type for device-local buffers
  uint32_t staging_type_index = UINT32_MAX;  // host-visible + coherent memory type for staging
  int main_heap = -1;                         // the device-local heap whose budget we report
  DeviceInfo info;
  Caps caps;
  std::string cache_path;
  uint64_t allocated = 0;  // bytes of device-local memory this context holds

  std::map<std::string, std::unique_ptr<Pipeline>> pipelines;

  // A reusable staging buffer for upload/download (created on first use, grown when needed up to kStagingMax).
  VkBuffer staging = VK_NULL_HANDLE;
  VkDeviceMemory staging_mem = VK_NULL_HANDLE;
  void* staging_ptr = nullptr;
  uint64_t staging_size = 0;
  VkCommandBuffer xfer_cmd = VK_NULL_HANDLE;
  VkFence xfer_fence = VK_NULL_HANDLE;
  std::mutex xfer_mutex;  // upload/download may come from more than one thread; the queue is shared

  std::mutex queue_mutex;  // vkQueueSubmit on one queue must be externally synchronised

  // Records `fn` into a one-time command buffer, submits and waits.
  Status one_shot(const std::function<void(VkCommandBuffer)>& fn);
  Status ensure_staging(uint64_t bytes);
  void destroy();
};

inline constexpr uint64_t kStagingMax = 64ull << 20;  // copies larger than this go through in chunks

// Probes one physical device (shared by list_devices and Context::init). Needs instance-level functions loaded.
void probe_device(const Fns& f, VkPhysicalDevice pd, int index, bool allow_cpu, DeviceInfo* out);
// Creates a Vulkan 1.2+ instance (portability enumeration when the loader offers it; validation when asked).
Status create_instance(Fns* f, bool validation, VkInstance* out);

}  // namespace lathe::vk
