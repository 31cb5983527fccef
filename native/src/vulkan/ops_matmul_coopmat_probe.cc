// Asks the driver whether VK_NV_cooperative_matrix offers the one shape gemm_coopmat_nv.comp uses (16x16x16, fp16 A/B,
// fp32 C/D, subgroup scope), so enable_coopmat_gemm() never builds a pipeline the device cannot run. This is the only
// op file that reads the runtime's private ContextImpl (for the instance and physical device), kept apart for that.
#include <string>
#include <vector>

#include "vulkan/context_impl.h"

namespace lathe::vk::detail {

bool coopmat_nv_has_gemm_shape(Context& ctx, std::string* why) {
  ContextImpl* c = ctx.impl();
  if (!c || !c->f.vkGetInstanceProcAddr) {
    *why = "no Vulkan context";
    return false;
  }
  auto fn = reinterpret_cast<PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV>(
      c->f.vkGetInstanceProcAddr(c->instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV"));
  if (!fn) {
    *why = "the driver does not export vkGetPhysicalDeviceCooperativeMatrixPropertiesNV";
    return false;
  }
  uint32_t n = 0;
  if (fn(c->phys, &n, nullptr) != VK_SUCCESS || n == 0) {
    *why = "the driver lists no cooperative-matrix shapes";
    return false;
  }
  std::vector<VkCooperativeMatrixPropertiesNV> props(n, {VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV});
  if (fn(c->phys, &n, props.data()) != VK_SUCCESS) {
    *why = "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV failed";
    return false;
  }
  for (const auto& p : props)
    if (p.MSize == 16 && p.NSize == 16 && p.KSize == 16 && p.AType == VK_COMPONENT_TYPE_FLOAT16_NV &&
        p.BType == VK_COMPONENT_TYPE_FLOAT16_NV && p.CType == VK_COMPONENT_TYPE_FLOAT32_NV &&
        p.DType == VK_COMPONENT_TYPE_FLOAT32_NV && p.scope == VK_SCOPE_SUBGROUP_NV)
      return true;
  *why = "the device offers no 16x16x16 fp16 x fp16 + fp32 cooperative matrix";
  return false;
}

}  // namespace lathe::vk::detail
