// vk::Buffer: device-local storage buffers, and host<->device copies through the context's staging buffer.
#include <algorithm>
#include <cstring>

#include "vulkan/context_impl.h"

namespace lathe::vk {

namespace {
template <class H>
H as(uint64_t v) { return reinterpret_cast<H>(static_cast<uintptr_t>(v)); }
template <class H>
uint64_t raw(H h) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(h)); }

Status check_range(const char* what, uint64_t size, uint64_t offset, uint64_t bytes) {
  if (offset > size || bytes > size - offset)
    return Status::invalid(std::string(what) + ": bytes [" + std::to_string(offset) + ", " +
                           std::to_string(offset + bytes) + ") outside a buffer of " + std::to_string(size) + " bytes");
  return Status::Ok();
}
}  // namespace

Status ContextImpl::one_shot(const std::function<void(VkCommandBuffer)>& fn) {
  VkResult r;
  if (!xfer_cmd) {
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = pool;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    if ((r = f.vkAllocateCommandBuffers(device, &ai, &xfer_cmd)) != VK_SUCCESS) return vk_error("vkAllocateCommandBuffers", r);
    VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    if ((r = f.vkCreateFence(device, &fi, nullptr, &xfer_fence)) != VK_SUCCESS) return vk_error("vkCreateFence", r);
  }
  f.vkResetCommandBuffer(xfer_cmd, 0);
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  f.vkBeginCommandBuffer(xfer_cmd, &bi);
  // Earlier submissions' shader/transfer writes must be visible to this copy (and this copy to later host reads).
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_HOST_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  f.vkCmdPipelineBarrier(xfer_cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT | VK_PIPELINE_STAGE_HOST_BIT,
                         VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
  fn(xfer_cmd);
  mb.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
  f.vkCmdPipelineBarrier(xfer_cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0, nullptr, 0,
                         nullptr);
  if ((r = f.vkEndCommandBuffer(xfer_cmd)) != VK_SUCCESS) return vk_error("vkEndCommandBuffer", r);
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &xfer_cmd;
  f.vkResetFences(device, 1, &xfer_fence);
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    if ((r = f.vkQueueSubmit(queue, 1, &si, xfer_fence)) != VK_SUCCESS) return vk_error("vkQueueSubmit", r);
  }
  if ((r = f.vkWaitForFences(device, 1, &xfer_fence, VK_TRUE, UINT64_MAX)) != VK_SUCCESS)
    return vk_error("vkWaitForFences", r);
  return Status::Ok();
}

Status ContextImpl::ensure_staging(uint64_t bytes) {
  bytes = std::min(std::max<uint64_t>(bytes, 1 << 20), kStagingMax);
  if (staging && staging_size >= bytes) return Status::Ok();
  if (staging) {
    f.vkDestroyBuffer(device, staging, nullptr);
    f.vkFreeMemory(device, staging_mem, nullptr);
    staging = VK_NULL_HANDLE;
    staging_mem = VK_NULL_HANDLE;
    staging_ptr = nullptr;
    staging_size = 0;
  }
  VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bci.size = bytes;
  bci.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkResult r = f.vkCreateBuffer(device, &bci, nullptr, &staging);
  if (r != VK_SUCCESS) return vk_error("vkCreateBuffer (staging)", r);
  VkMemoryRequirements req;
  f.vkGetBufferMemoryRequirements(device, staging, &req);
  VkMemoryAllocateInfo mai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  mai.allocationSize = req.size;
  mai.memoryTypeIndex = staging_type_index;
  if ((r = f.vkAllocateMemory(device, &mai, nullptr, &staging_mem)) != VK_SUCCESS) return vk_error("vkAllocateMemory (staging)", r);
  f.vkBindBufferMemory(device, staging, staging_mem, 0);
  if ((r = f.vkMapMemory(device, staging_mem, 0, VK_WHOLE_SIZE, 0, &staging_ptr)) != VK_SUCCESS)
    return vk_error("vkMapMemory (staging)", r);
  staging_size = bytes;
  return Status::Ok();
}

Status Context::alloc(Buffer* out, uint64_t bytes) {
  ContextImpl& c = *impl_;
  if (!c.device) return Status::invalid("vk::Context::alloc before init");
  if (bytes == 0) return Status::invalid("vk::Context::alloc of 0 bytes");
  out->release();
  bytes = (bytes + 3) & ~uint64_t(3);
  // Ask the budget first: some drivers over-commit device memory (paging to system RAM, or failing later), so a
  // request past the budget becomes a typed error with advice instead.
  if (c.caps.max_allocation && bytes > c.caps.max_allocation)
    return Status::error(status_code::out_of_memory,
                         "one buffer of " + std::to_string(bytes >> 20) + " MiB exceeds " + c.info.name +
                         "'s largest allocation (" + std::to_string(c.caps.max_allocation >> 20) + " MiB)",
                         "split the buffer (the memory plan carves arenas no larger than Caps::max_allocation)");
  uint64_t budget = 0, usage = 0;
  memory_budget(&budget, &usage);
  if (budget > 0 && usage + bytes > budget)
    return Status::error(status_code::out_of_memory,
                         "allocating " + std::to_string(bytes >> 20) + " MiB on " + c.info.name + " would exceed its "
                         "memory budget (" + std::to_string(usage >> 20) + " MiB used of " + std::to_string(budget >> 20) +
                         " MiB)",
                         "lower the LoRA rank, micro-batch or sequence length, or close other programs using the GPU");
  VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bci.size = bytes;
  bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkBuffer buf = VK_NULL_HANDLE;
  VkResult r = c.f.vkCreateBuffer(c.device, &bci, nullptr, &buf);
  if (r != VK_SUCCESS) return vk_error("vkCreateBuffer (" + std::to_string(bytes) + " bytes)", r);
  VkMemoryRequirements req;
  c.f.vkGetBufferMemoryRequirements(c.device, buf, &req);
  VkMemoryAllocateInfo mai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  mai.allocationSize = req.size;
  mai.memoryTypeIndex = c.device_type_index;
  if (!(req.memoryTypeBits & (1u << c.device_type_index))) {
    c.f.vkDestroyBuffer(c.device, buf, nullptr);
    return Status::error(status_code::unsupported, "no device-local memory type fits a storage buffer on " + c.info.name);
  }
  VkDeviceMemory mem = VK_NULL_HANDLE;
  if ((r = c.f.vkAllocateMemory(c.device, &mai, nullptr, &mem)) != VK_SUCCESS) {
    c.f.vkDestroyBuffer(c.device, buf, nullptr);
    Status st = vk_error("allocating " + std::to_string(bytes >> 20) + " MiB on " + c.info.name, r);
    return st;
  }
  c.f.vkBindBufferMemory(c.device, buf, mem, 0);
  c.allocated += req.size;
  out->ctx_ = this;
  out->handle_ = raw(buf);
  out->memory_ = raw(mem);
  out->size_ = bytes;
  return Status::Ok();
}

Buffer::~Buffer() { release(); }
Buffer::Buffer(Buffer&& o) noexcept { *this = std::move(o); }
Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    release();
    ctx_ = o.ctx_;
    handle_ = o.handle_;
    memory_ = o.memory_;
    size_ = o.size_;
    o.ctx_ = nullptr;
    o.handle_ = o.memory_ = o.size_ = 0;
  }
  return *this;
}

void Buffer::release() {
  if (ctx_ && handle_) {
    ContextImpl& c = *ctx_->impl();
    if (c.device) {
      VkMemoryRequirements req;
      c.f.vkGetBufferMemoryRequirements(c.device, as<VkBuffer>(handle_), &req);
      c.allocated -= std::min(c.allocated, uint64_t(req.size));
      c.f.vkDestroyBuffer(c.device, as<VkBuffer>(handle_), nullptr);
      c.f.vkFreeMemory(c.device, as<VkDeviceMemory>(memory_), nullptr);
    }
  }
  ctx_ = nullptr;
  handle_ = memory_ = size_ = 0;
}

Status Buffer::upload(const void* src, uint64_t bytes, uint64_t offset) {
  if (!valid()) return Status::invalid("vk::Buffer::upload on an empty buffer");
  LATHE_RETURN_IF_ERROR(check_range("vk::Buffer::upload", size_, offset, bytes));
  ContextImpl& c = *ctx_->impl();
  std::lock_guard<std::mutex> lock(c.xfer_mutex);
  LATHE_RETURN_IF_ERROR(c.ensure_staging(bytes));
  const auto* p = static_cast<const uint8_t*>(src);
  for (uint64_t done = 0; done < bytes;) {
    const uint64_t n = std::min(bytes - done, c.staging_size);
    std::memcpy(c.staging_ptr, p + done, n);
    const uint64_t dst_off = offset + done;
    LATHE_RETURN_IF_ERROR(c.one_shot([&](VkCommandBuffer cmd) {
      VkBufferCopy region{0, dst_off, n};
      c.f.vkCmdCopyBuffer(cmd, c.staging, as<VkBuffer>(handle_), 1, &region);
    }));
    done += n;
  }
  return Status::Ok();
}

Status Buffer::download(void* dst, uint64_t bytes, uint64_t offset) const {
  if (!valid()) return Status::invalid("vk::Buffer::download on an empty buffer");
  LATHE_RETURN_IF_ERROR(check_range("vk::Buffer::download", size_, offset, bytes));
  ContextImpl& c = *ctx_->impl();
  std::lock_guard<std::mutex> lock(c.xfer_mutex);
  LATHE_RETURN_IF_ERROR(c.ensure_staging(bytes));
  auto* p = static_cast<uint8_t*>(dst);
  for (uint64_t done = 0; done < bytes;) {
    const uint64_t n = std::min(bytes - done, c.staging_size);
    const uint64_t src_off = offset + done;
    LATHE_RETURN_IF_ERROR(c.one_shot([&](VkCommandBuffer cmd) {
      VkBufferCopy region{src_off, 0, n};
      c.f.vkCmdCopyBuffer(cmd, as<VkBuffer>(handle_), c.staging, 1, &region);
    }));
    std::memcpy(p + done, c.staging_ptr, n);
    done += n;
  }
  return Status::Ok();
}

Status Buffer::fill_u32(uint32_t word, uint64_t offset, uint64_t bytes) {
  if (!valid()) return Status::invalid("vk::Buffer::fill_u32 on an empty buffer");
  if (bytes == 0) bytes = size_ - std::min(offset, size_);
  LATHE_RETURN_IF_ERROR(check_range("vk::Buffer::fill_u32", size_, offset, bytes));
  if (offset % 4 || bytes % 4) return Status::invalid("vk::Buffer::fill_u32: offset and size must be multiples of 4");
  ContextImpl& c = *ctx_->impl();
  std::lock_guard<std::mutex> lock(c.xfer_mutex);
  return c.one_shot([&](VkCommandBuffer cmd) { c.f.vkCmdFillBuffer(cmd, as<VkBuffer>(handle_), offset, bytes, word); });
}

}  // namespace lathe::vk
