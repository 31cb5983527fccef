// vk::Recorder: many dispatches, copies and timestamps in one command buffer, one submit and one wait.
#include <vector>

#include "vulkan/context_impl.h"

namespace lathe::vk {

namespace {
template <class H>
H as(uint64_t v) { return reinterpret_cast<H>(static_cast<uintptr_t>(v)); }
constexpr uint32_t kSetsPerPool = 256;
constexpr uint32_t kMaxTimestamps = 512;
}  // namespace

struct RecorderImpl {
  ContextImpl* c = nullptr;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  std::vector<VkDescriptorPool> pools;
  size_t pool_next = 0;  // pools[pool_next] is the one being allocated from
  VkQueryPool queries = VK_NULL_HANDLE;
  std::vector<std::string> labels;  // one per written timestamp
  std::vector<std::pair<std::string, double>> last_timings;
  bool recording = false;
  bool auto_barrier = true;
  size_t dispatches = 0;
  Status error;

  bool fail(Status st) {
    if (error.ok()) error = std::move(st);
    return false;
  }
  bool begin();
  VkDescriptorSet alloc_set(VkDescriptorSetLayout layout);
  void barrier() {
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                       VK_ACCESS_TRANSFER_WRITE_BIT;
    const VkPipelineStageFlags st = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    c->f.vkCmdPipelineBarrier(cmd, st, st, 0, 1, &mb, 0, nullptr, 0, nullptr);
  }
  bool check_view(const View& v, const char* what) {
    if (!v.buf || !v.buf->valid()) return fail(Status::invalid(std::string(what) + ": empty buffer view"));
    if (v.offset % c->caps.storage_align)
      return fail(Status::invalid(std::string(what) + ": view offset " + std::to_string(v.offset) +
                                  " is not a multiple of the device's storage alignment " +
                                  std::to_string(c->caps.storage_align),
                                  "carve buffers at 256-byte boundaries, or pass an element offset in push constants"));
    if (v.size == 0 || v.offset + v.size > v.buf->size())
      return fail(Status::invalid(std::string(what) + ": view [" + std::to_string(v.offset) + ", +" +
                                  std::to_string(v.size) + ") outside a buffer of " + std::to_string(v.buf->size())));
    if (v.size > c->caps.max_storage_range)
      return fail(Status::invalid(std::string(what) + ": a view of " + std::to_string(v.size) + " bytes exceeds the " +
                                  "device's maxStorageBufferRange (" + std::to_string(c->caps.max_storage_range) + ")",
                                  "split the op into slices that each fit the range"));
    return true;
  }
};

bool RecorderImpl::begin() {
  if (!error.ok()) return false;
  if (recording) return true;
  VkResult r;
  if (!cmd) {
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = c->pool;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    if ((r = c->f.vkAllocateCommandBuffers(c->device, &ai, &cmd)) != VK_SUCCESS)
      return fail(vk_error("vkAllocateCommandBuffers", r));
    VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    if ((r = c->f.vkCreateFence(c->device, &fi, nullptr, &fence)) != VK_SUCCESS) return fail(vk_error("vkCreateFence", r));
  }
  if (c->caps.timestamps && !queries) {
    VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = kMaxTimestamps;
    if ((r = c->f.vkCreateQueryPool(c->device, &qi, nullptr, &queries)) != VK_SUCCESS)
      return fail(vk_error("vkCreateQueryPool", r));
  }
  c->f.vkResetCommandBuffer(cmd, 0);
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  if ((r = c->f.vkBeginCommandBuffer(cmd, &bi)) != VK_SUCCESS) return fail(vk_error("vkBeginCommandBuffer", r));
  if (queries) c->f.vkCmdResetQueryPool(cmd, queries, 0, kMaxTimestamps);
  labels.clear();
  dispatches = 0;
  recording = true;
  return true;
}

VkDescriptorSet RecorderImpl::alloc_set(VkDescriptorSetLayout layout) {
  for (;;) {
    if (pool_next == pools.size()) {
      // Each set binds at most 16 storage buffers in practice; size the pool for the worst case of our shaders.
      VkDescriptorPoolSize ps{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kSetsPerPool * 16};
      VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
      pi.maxSets = kSetsPerPool;
      pi.poolSizeCount = 1;
      pi.pPoolSizes = &ps;
      VkDescriptorPool pool;
      VkResult r = c->f.vkCreateDescriptorPool(c->device, &pi, nullptr, &pool);
      if (r != VK_SUCCESS) {
        fail(vk_error("vkCreateDescriptorPool", r));
        return VK_NULL_HANDLE;
      }
      pools.push_back(pool);
    }
    VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    ai.descriptorPool = pools[pool_next];
    ai.descriptorSetCount = 1;
    ai.pSetLayouts = &layout;
    VkDescriptorSet set;
    VkResult r = c->f.vkAllocateDescriptorSets(c->device, &ai, &set);
    if (r == VK_SUCCESS) return set;
    if (r != VK_ERROR_OUT_OF_POOL_MEMORY && r != VK_ERROR_FRAGMENTED_POOL) {
      fail(vk_error("vkAllocateDescriptorSets", r));
      return VK_NULL_HANDLE;
    }
    ++pool_next;  // this pool is full: move on to the next (created above when needed)
  }
}

Recorder::Recorder(Context& ctx) : impl_(std::make_unique<RecorderImpl>()) {
  impl_->c = ctx.impl();
  if (!ctx.ready()) impl_->error = Status::invalid("vk::Recorder on a context that is not initialised");
}

Recorder::~Recorder() {
  RecorderImpl& r = *impl_;
  if (!r.c || !r.c->device) return;
  const Fns& f = r.c->f;
  if (r.recording) {  // recorded but never submitted: nothing ran, just free
    f.vkEndCommandBuffer(r.cmd);
  }
  for (auto p : r.pools) f.vkDestroyDescriptorPool(r.c->device, p, nullptr);
  if (r.queries) f.vkDestroyQueryPool(r.c->device, r.queries, nullptr);
  if (r.fence) f.vkDestroyFence(r.c->device, r.fence, nullptr);
  if (r.cmd) f.vkFreeCommandBuffers(r.c->device, r.c->pool, 1, &r.cmd);
}

void Recorder::dispatch(const Pipeline& p, std::initializer_list<View> views, const void* push, uint32_t push_bytes,
                        uint32_t gx, uint32_t gy, uint32_t gz) {
  dispatch(p, std::vector<View>(views), push, push_bytes, gx, gy, gz);
}

void Recorder::dispatch(const Pipeline& p, const std::vector<View>& views, const void* push, uint32_t push_bytes,
                        uint32_t gx, uint32_t gy, uint32_t gz) {
  RecorderImpl& r = *impl_;
  if (!r.begin()) return;
  if (views.size() != p.bindings) {
    r.fail(Status::invalid("dispatch of " + p.name + ": " + std::to_string(views.size()) + " views for " +
                           std::to_string(p.bindings) + " bindings"));
    return;
  }
  if (push_bytes != p.push_bytes) {
    r.fail(Status::invalid("dispatch of " + p.name + ": " + std::to_string(push_bytes) + " push-constant bytes, the "
                           "pipeline was created with " + std::to_string(p.push_bytes)));
    return;
  }
  if (gx == 0 || gy == 0 || gz == 0) return;  // nothing to do (an empty tensor)
  for (const View& v : views)
    if (!r.check_view(v, p.name.c_str())) return;
  VkDescriptorSet set = r.alloc_set(as<VkDescriptorSetLayout>(p.set_layout));
  if (!set) return;
  std::vector<VkDescriptorBufferInfo> infos(views.size());
  std::vector<VkWriteDescriptorSet> writes(views.size());
  for (size_t i = 0; i < views.size(); ++i) {
    infos[i] = VkDescriptorBufferInfo{as<VkBuffer>(views[i].buf->handle()), views[i].offset, views[i].size};
    writes[i] = VkWriteDescriptorSet{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    writes[i].dstSet = set;
    writes[i].dstBinding = uint32_t(i);
    writes[i].descriptorCount = 1;
    writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[i].pBufferInfo = &infos[i];
  }
  const Fns& f = r.c->f;
  f.vkUpdateDescriptorSets(r.c->device, uint32_t(writes.size()), writes.data(), 0, nullptr);
  if (r.auto_barrier) r.barrier();
  f.vkCmdBindPipeline(r.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, as<VkPipeline>(p.pipeline));
  VkPipelineLayout layout = as<VkPipelineLayout>(p.layout);
  f.vkCmdBindDescriptorSets(r.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1, &set, 0, nullptr);
  if (push_bytes) f.vkCmdPushConstants(r.cmd, layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes, push);
  f.vkCmdDispatch(r.cmd, gx, gy, gz);
  ++r.dispatches;
}

void Recorder::copy(View dst, View src, uint64_t bytes) {
  RecorderImpl& r = *impl_;
  if (!r.begin()) return;
  if (!dst.buf || !src.buf || dst.offset + bytes > dst.buf->size() || src.offset + bytes > src.buf->size()) {
    r.fail(Status::invalid("vk::Recorder::copy of " + std::to_string(bytes) + " bytes outside a buffer"));
    return;
  }
  if (r.auto_barrier) r.barrier();
  VkBufferCopy region{src.offset, dst.offset, bytes};
  r.c->f.vkCmdCopyBuffer(r.cmd, as<VkBuffer>(src.buf->handle()), as<VkBuffer>(dst.buf->handle()), 1, &region);
}

void Recorder::fill_u32(View dst, uint32_t word) {
  RecorderImpl& r = *impl_;
  if (!r.begin()) return;
  if (!dst.buf || dst.offset % 4 || dst.size % 4 || dst.offset + dst.size > dst.buf->size()) {
    r.fail(Status::invalid("vk::Recorder::fill_u32: view outside the buffer or not 4-byte aligned"));
    return;
  }
  if (r.auto_barrier) r.barrier();
  r.c->f.vkCmdFillBuffer(r.cmd, as<VkBuffer>(dst.buf->handle()), dst.offset, dst.size, word);
}

void Recorder::barrier() {
  if (impl_->begin()) impl_->barrier();
}
void Recorder::set_auto_barrier(bool on) { impl_->auto_barrier = on; }

void Recorder::timestamp(const std::string& label) {
  RecorderImpl& r = *impl_;
  if (!r.begin() || !r.queries || r.labels.size() >= kMaxTimestamps) return;  // no timestamps: timings() is empty
  r.c->f.vkCmdWriteTimestamp(r.cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, r.queries, uint32_t(r.labels.size()));
  r.labels.push_back(label);
}

Status Recorder::submit() {
  RecorderImpl& r = *impl_;
  if (!r.error.ok()) {
    Status st = std::move(r.error);
    r.error = Status::Ok();
    if (r.recording) {
      r.c->f.vkEndCommandBuffer(r.cmd);
      r.recording = false;
    }
    return st;
  }
  if (!r.recording) return Status::Ok();  // nothing recorded
  const Fns& f = r.c->f;
  r.recording = false;
  VkResult res;
  if ((res = f.vkEndCommandBuffer(r.cmd)) != VK_SUCCESS) return vk_error("vkEndCommandBuffer", res);
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &r.cmd;
  f.vkResetFences(r.c->device, 1, &r.fence);
  {
    std::lock_guard<std::mutex> lock(r.c->queue_mutex);
    if ((res = f.vkQueueSubmit(r.c->queue, 1, &si, r.fence)) != VK_SUCCESS) return vk_error("vkQueueSubmit", res);
  }
  if ((res = f.vkWaitForFences(r.c->device, 1, &r.fence, VK_TRUE, UINT64_MAX)) != VK_SUCCESS)
    return vk_error("vkWaitForFences", res);
  for (auto p : r.pools) f.vkResetDescriptorPool(r.c->device, p, 0);
  r.pool_next = 0;
  r.last_timings.clear();
  if (r.labels.size() > 1) {
    std::vector<uint64_t> ts(r.labels.size());
    if (f.vkGetQueryPoolResults(r.c->device, r.queries, 0, uint32_t(ts.size()), ts.size() * 8, ts.data(), 8,
                                VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) == VK_SUCCESS) {
      for (size_t i = 1; i < ts.size(); ++i)
        r.last_timings.emplace_back(r.labels[i], double(ts[i] - ts[i - 1]) * r.c->caps.timestamp_period_ns * 1e-6);
    }
  }
  return Status::Ok();
}

std::vector<std::pair<std::string, double>> Recorder::timings() const { return impl_->last_timings; }
size_t Recorder::dispatch_count() const { return impl_->dispatches; }

}  // namespace lathe::vk
