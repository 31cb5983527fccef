// Run-time loading of the Vulkan loader library (no link-time dependency) and the table of entry points we use.
// Every function is resolved through vkGetInstanceProcAddr / vkGetDeviceProcAddr, so the addon loads where Vulkan is
// absent; only the probe then reports "no Vulkan loader".
#pragma once
#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan_core.h>

#include <string>

#include "core/status.h"

namespace lathe::vk {

// Functions resolved with a null instance.
#define LATHE_VK_GLOBAL_FNS(X) \
  X(vkCreateInstance)          \
  X(vkEnumerateInstanceExtensionProperties) \
  X(vkEnumerateInstanceLayerProperties)     \
  X(vkEnumerateInstanceVersion)

// Functions resolved on an instance.
#define LATHE_VK_INSTANCE_FNS(X)               \
  X(vkDestroyInstance)                         \
  X(vkEnumeratePhysicalDevices)                \
  X(vkGetPhysicalDeviceProperties)             \
  X(vkGetPhysicalDeviceProperties2)            \
  X(vkGetPhysicalDeviceFeatures2)              \
  X(vkGetPhysicalDeviceMemoryProperties)       \
  X(vkGetPhysicalDeviceMemoryProperties2)      \
  X(vkGetPhysicalDeviceQueueFamilyProperties)  \
  X(vkEnumerateDeviceExtensionProperties)      \
  X(vkCreateDevice)                            \
  X(vkGetDeviceProcAddr)

// Functions resolved on a device.
#define LATHE_VK_DEVICE_FNS(X)            \
  X(vkDestroyDevice)                      \
  X(vkGetDeviceQueue)                     \
  X(vkDeviceWaitIdle)                     \
  X(vkQueueSubmit)                        \
  X(vkQueueWaitIdle)                      \
  X(vkCreateBuffer)                       \
  X(vkDestroyBuffer)                      \
  X(vkGetBufferMemoryRequirements)        \
  X(vkAllocateMemory)                     \
  X(vkFreeMemory)                         \
  X(vkBindBufferMemory)                   \
  X(vkMapMemory)                          \
  X(vkUnmapMemory)                        \
  X(vkCreateShaderModule)                 \
  X(vkDestroyShaderModule)                \
  X(vkCreatePipelineCache)                \
  X(vkDestroyPipelineCache)               \
  X(vkGetPipelineCacheData)               \
  X(vkCreateComputePipelines)             \
  X(vkDestroyPipeline)                    \
  X(vkCreatePipelineLayout)               \
  X(vkDestroyPipelineLayout)              \
  X(vkCreateDescriptorSetLayout)          \
  X(vkDestroyDescriptorSetLayout)         \
  X(vkCreateDescriptorPool)               \
  X(vkDestroyDescriptorPool)              \
  X(vkResetDescriptorPool)                \
  X(vkAllocateDescriptorSets)             \
  X(vkUpdateDescriptorSets)               \
  X(vkCreateCommandPool)                  \
  X(vkDestroyCommandPool)                 \
  X(vkAllocateCommandBuffers)             \
  X(vkFreeCommandBuffers)                 \
  X(vkBeginCommandBuffer)                 \
  X(vkEndCommandBuffer)                   \
  X(vkResetCommandBuffer)                 \
  X(vkCmdBindPipeline)                    \
  X(vkCmdBindDescriptorSets)              \
  X(vkCmdPushConstants)                   \
  X(vkCmdDispatch)                        \
  X(vkCmdPipelineBarrier)                 \
  X(vkCmdCopyBuffer)                      \
  X(vkCmdFillBuffer)                      \
  X(vkCmdWriteTimestamp)                  \
  X(vkCmdResetQueryPool)                  \
  X(vkCreateQueryPool)                    \
  X(vkDestroyQueryPool)                   \
  X(vkGetQueryPoolResults)                \
  X(vkCreateFence)                        \
  X(vkDestroyFence)                       \
  X(vkResetFences)                        \
  X(vkWaitForFences)

struct Fns {
#define LATHE_VK_DECL(name) PFN_##name name = nullptr;
  LATHE_VK_GLOBAL_FNS(LATHE_VK_DECL)
  LATHE_VK_INSTANCE_FNS(LATHE_VK_DECL)
  LATHE_VK_DEVICE_FNS(LATHE_VK_DECL)
#undef LATHE_VK_DECL
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
};

// Opens the loader once per process (thread-safe) and fills the global functions. Status with a hint when absent.
Status load_global(Fns* f);
// Resolves instance-level / device-level functions; a missing core function is an `unsupported` Status naming it.
Status load_instance(Fns* f, VkInstance instance);
Status load_device(Fns* f, VkDevice device);

// "VK_ERROR_OUT_OF_DEVICE_MEMORY" etc.
const char* result_name(VkResult r);
// Status for a failed call: what (e.g. "vkCreateBuffer"), the VkResult name, and a hint for the common cases.
Status vk_error(const std::string& what, VkResult r);

}  // namespace lathe::vk
