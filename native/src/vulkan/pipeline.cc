// vk::Pipeline creation from embedded SPIR-V: descriptor layout of N storage buffers, push constants, specialization
// constants; cached per context by (shader, bindings, push size, constants) and stored in the on-disk pipeline cache.
#include <cstring>
#include <vector>

#include "vulkan/context_impl.h"

namespace lathe::vk {

namespace {
template <class H>
uint64_t raw(H h) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(h)); }

// Reads OpExecutionMode %main LocalSize x y z from the SPIR-V (absent when the shader uses local_size_x_id).
void local_size(const ShaderBlob& s, uint32_t out[3]) {
  for (size_t i = 5; i < s.word_count;) {
    const uint32_t op = s.words[i] & 0xffff, len = s.words[i] >> 16;
    if (len == 0) break;
    if (op == 16 /* OpExecutionMode */ && len >= 6 && s.words[i + 2] == 17 /* LocalSize */) {
      out[0] = s.words[i + 3];
      out[1] = s.words[i + 4];
      out[2] = s.words[i + 5];
      return;
    }
    i += len;
  }
}
}  // namespace

Status Context::pipeline(Pipeline** out, const std::string& name, uint32_t bindings, uint32_t push_bytes,
                         std::initializer_list<uint32_t> spec) {
  return pipeline(out, name, bindings, push_bytes, std::vector<uint32_t>(spec));
}

Status Context::pipeline(Pipeline** out, const std::string& name, uint32_t bindings, uint32_t push_bytes,
                         const std::vector<uint32_t>& spec) {
  ContextImpl& c = *impl_;
  *out = nullptr;
  if (!c.device) return Status::invalid("vk::Context::pipeline before init");
  std::string key = name;
  for (uint32_t v : {bindings, push_bytes}) key.append("/").append(std::to_string(v));
  for (uint32_t v : spec) key.append("/").append(std::to_string(v));
  if (auto it = c.pipelines.find(key); it != c.pipelines.end()) {
    *out = it->second.get();
    return Status::Ok();
  }
  const ShaderBlob* blob = find_shader(name);
  if (!blob)
    return Status::error(status_code::internal, "no embedded Vulkan shader named '" + name + "'",
                         "add native/src/vulkan/shaders/" + name + ".comp and rebuild (node native/scripts/build.mjs)");
  if (push_bytes > 128 || push_bytes % 4)
    return Status::invalid("shader " + name + ": push constants must be a multiple of 4 and at most 128 bytes");

  auto p = std::make_unique<Pipeline>();
  p->name = name;
  p->bindings = bindings;
  p->push_bytes = push_bytes;
  local_size(*blob, p->local_size);

  const Fns& f = c.f;
  VkResult r;
  std::vector<VkDescriptorSetLayoutBinding> b(bindings);
  for (uint32_t i = 0; i < bindings; ++i)
    b[i] = VkDescriptorSetLayoutBinding{i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
  VkDescriptorSetLayoutCreateInfo dl{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  dl.bindingCount = bindings;
  dl.pBindings = b.data();
  VkDescriptorSetLayout set_layout;
  if ((r = f.vkCreateDescriptorSetLayout(c.device, &dl, nullptr, &set_layout)) != VK_SUCCESS)
    return vk_error("vkCreateDescriptorSetLayout (" + name + ")", r);
  p->set_layout = raw(set_layout);

  VkPushConstantRange pr{VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes};
  VkPipelineLayoutCreateInfo pl{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  pl.setLayoutCount = 1;
  pl.pSetLayouts = &set_layout;
  pl.pushConstantRangeCount = push_bytes ? 1 : 0;
  pl.pPushConstantRanges = &pr;
  VkPipelineLayout layout;
  if ((r = f.vkCreatePipelineLayout(c.device, &pl, nullptr, &layout)) != VK_SUCCESS) {
    f.vkDestroyDescriptorSetLayout(c.device, set_layout, nullptr);
    return vk_error("vkCreatePipelineLayout (" + name + ")", r);
  }
  p->layout = raw(layout);

  VkShaderModuleCreateInfo sm{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  sm.codeSize = blob->word_count * 4;
  sm.pCode = blob->words;
  VkShaderModule module;
  if ((r = f.vkCreateShaderModule(c.device, &sm, nullptr, &module)) != VK_SUCCESS) {
    f.vkDestroyPipelineLayout(c.device, layout, nullptr);
    f.vkDestroyDescriptorSetLayout(c.device, set_layout, nullptr);
    return vk_error("vkCreateShaderModule (" + name + ")", r);
  }
  std::vector<VkSpecializationMapEntry> entries(spec.size());
  for (uint32_t i = 0; i < spec.size(); ++i) entries[i] = VkSpecializationMapEntry{i, i * 4, 4};
  VkSpecializationInfo si{uint32_t(spec.size()), entries.data(), spec.size() * 4, spec.data()};
  VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  ci.stage = VkPipelineShaderStageCreateInfo{VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  ci.stage.module = module;
  ci.stage.pName = "main";
  ci.stage.pSpecializationInfo = spec.empty() ? nullptr : &si;
  ci.layout = layout;
  VkPipeline pipe;
  r = f.vkCreateComputePipelines(c.device, c.cache, 1, &ci, nullptr, &pipe);
  f.vkDestroyShaderModule(c.device, module, nullptr);
  if (r != VK_SUCCESS) {
    f.vkDestroyPipelineLayout(c.device, layout, nullptr);
    f.vkDestroyDescriptorSetLayout(c.device, set_layout, nullptr);
    return vk_error("vkCreateComputePipelines (" + name + ")", r);
  }
  p->pipeline = raw(pipe);
  *out = p.get();
  c.pipelines.emplace(key, std::move(p));
  return Status::Ok();
}

}  // namespace lathe::vk
