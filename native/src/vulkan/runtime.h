// The Vulkan compute runtime: a device context, device-local buffers, pipelines built from embedded SPIR-V and a
// command recorder that batches many dispatches into one submit. Every Vulkan op (ops.h) is written on top of it.
//
// Usage (error handling shortened; every call that can fail returns Status):
//
//   vk::Context ctx;
//   LATHE_RETURN_IF_ERROR(ctx.init({.allow_cpu = true, .pipeline_cache_path = "/lib/vk-pipelines.bin"}));
//   vk::Buffer a, b, y;
//   ctx.alloc(&a, n * 4); ctx.alloc(&b, n * 4); ctx.alloc(&y, n * 4);
//   a.upload(host_a, n * 4); b.upload(host_b, n * 4);              // staging copy + wait
//   vk::Pipeline* add;                                              // cached in ctx by (name, spec constants)
//   ctx.pipeline(&add, "add", /*bindings=*/3, /*push bytes=*/4);    // shader native/src/vulkan/shaders/add.comp
//   vk::Recorder rec(ctx);                                          // one command buffer, many dispatches
//   uint32_t pc = uint32_t(n);
//   rec.dispatch(*add, {y.view(), a.view(), b.view()}, &pc, sizeof pc, vk::groups(n, 256));
//   rec.dispatch(...);                                              // a barrier is inserted before each dispatch
//   LATHE_RETURN_IF_ERROR(rec.submit());                            // submit once, wait; Status on device loss etc.
//   y.download(host_y, n * 4);
//
// Rules the ops rely on:
// - A View is (buffer, byte offset, byte size). Its offset must be a multiple of ctx.storage_align() (the device's
//   minStorageBufferOffsetAlignment, at most 256): carve arenas at 256-byte boundaries; an op that must address inside
//   a row passes an element offset in its push constants instead.
// - Binding i of a dispatch is `layout(binding = i) buffer` in the shader, in the order the views are given.
// - Specialization constants are uint32 values given in order as constant_id 0, 1, 2, ... (bit-cast floats if needed).
// - Push constants are at most 128 bytes (the minimum every device guarantees).
// - Recorder timestamps (rec.timestamp("name")) are read after submit with rec.timings().
// - Nothing here aborts or throws: Vulkan errors become Status values whose hint says what to try.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace lathe::vk {

struct Fns;         // Vulkan entry points resolved at run time (loader.h); opaque to users of this header
struct ContextImpl;
class Buffer;

enum class DeviceType : uint8_t { other, integrated, discrete, virtual_gpu, cpu };
const char* device_type_name(DeviceType t);
// "1.3.230" from a packed VK_MAKE_API_VERSION value.
std::string version_string(uint32_t packed);

// One physical device as the probe reports it (lathe info); nothing is created on it.
struct DeviceInfo {
  int index = 0;                    // position in vkEnumeratePhysicalDevices order (what LATHE_VULKAN_DEVICE names)
  std::string name;
  DeviceType type = DeviceType::other;
  uint32_t vendor_id = 0, device_id = 0;
  uint32_t api_version = 0;         // VK_MAKE_API_VERSION packed
  std::string driver_name, driver_info;
  uint32_t driver_version = 0;      // vendor-specific packing; driver_info is the readable form
  uint64_t device_local_bytes = 0;  // size of the largest device-local heap
  uint64_t budget_bytes = 0;        // VK_EXT_memory_budget for that heap (0 when the extension is absent)
  uint64_t usage_bytes = 0;         // current usage of that heap by this process (budget extension only)
  bool memory_budget_ext = false;
  bool coopmat_nv = false, coopmat_khr = false;  // VK_NV_cooperative_matrix / VK_KHR_cooperative_matrix present
  bool fp16 = false, storage16 = false, int8 = false;
  uint32_t subgroup_size = 0;
  uint32_t max_shared_bytes = 0;    // maxComputeSharedMemorySize
  bool has_compute = false;         // a queue family with compute
  bool usable = false;              // Vulkan >= 1.2 with compute; CPU devices are usable only when allowed
  std::string unusable_reason;      // why not (empty when usable)
};

// The Vulkan loader could not be opened (no driver installed) -> Status with a hint; devices is left empty.
// allow_cpu marks CPU devices (lavapipe) usable. Also honours LATHE_VULKAN_ALLOW_CPU=1.
Status list_devices(std::vector<DeviceInfo>* devices, bool allow_cpu = false);
// True when LATHE_VULKAN_ALLOW_CPU=1 is set in the environment.
bool env_allows_cpu();

struct ContextOptions {
  bool allow_cpu = false;             // accept CPU devices (lavapipe); LATHE_VULKAN_ALLOW_CPU=1 also does
  int device_index = -1;              // -1: best (discrete > integrated > virtual > cpu); else that index. Env
                                      // LATHE_VULKAN_DEVICE=N overrides -1.
  std::string pipeline_cache_path;    // loaded at init, saved (temp + rename) by save_pipeline_cache() and ~Context
  bool validation = false;            // enable VK_LAYER_KHRONOS_validation when installed (or LATHE_VULKAN_VALIDATE=1)
  uint64_t max_binding_bytes = 0;     // > 0: lower Caps::max_storage_range to this (tests exercise op slicing with it)
};

// Device capabilities the shaders and op wrappers branch on.
struct Caps {
  uint32_t subgroup_size = 0;
  uint32_t max_shared_bytes = 0;
  uint32_t max_workgroup_invocations = 0;
  uint32_t max_push_bytes = 0;
  uint64_t max_storage_range = 0;     // largest bytes one binding (View) may cover (lavapipe: 128 MiB)
  uint64_t max_allocation = 0;        // largest single allocation (maxMemoryAllocationSize)
  uint32_t storage_align = 0;         // minStorageBufferOffsetAlignment
  bool fp16 = false, storage16 = false, int8 = false;
  bool coopmat_nv = false, coopmat_khr = false;  // enabled on the device when present
  bool timestamps = false;
  float timestamp_period_ns = 1.f;
};

class Pipeline;

// A view of bytes [offset, offset + size) of a buffer; what a dispatch binds. size 0 means "to the end".
struct View {
  const Buffer* buf = nullptr;
  uint64_t offset = 0;
  uint64_t size = 0;
};

// Instance + device + compute queue + command pool + pipeline cache. Not copyable; create once per process/engine.
class Context {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  Status init(const ContextOptions& opts = {});
  bool ready() const;
  const DeviceInfo& device() const;
  const Caps& caps() const;
  uint32_t storage_align() const { return caps().storage_align; }

  // Allocates a device-local storage buffer of `bytes` (> 0). out_of_memory Status with advice when it does not fit.
  Status alloc(Buffer* out, uint64_t bytes);
  // Pipeline for the embedded shader `name` with `bindings` storage buffers, `push_bytes` of push constants and the
  // given specialization constants; created on first use, then cached for the life of the context.
  Status pipeline(Pipeline** out, const std::string& name, uint32_t bindings, uint32_t push_bytes,
                  std::initializer_list<uint32_t> spec = {});
  Status pipeline(Pipeline** out, const std::string& name, uint32_t bindings, uint32_t push_bytes,
                  const std::vector<uint32_t>& spec);
  // Current budget and usage of the main device-local heap (VK_EXT_memory_budget; else heap size and our own total).
  void memory_budget(uint64_t* budget, uint64_t* usage) const;
  // Writes the pipeline cache to the path given at init (no-op without one). Temp file + rename: never half-written.
  Status save_pipeline_cache();
  // Blocks until the queue is idle (used before tearing down buffers the device may still read).
  Status wait_idle();

  ContextImpl* impl() const { return impl_.get(); }

 private:
  std::unique_ptr<ContextImpl> impl_;
};

// A device-local storage buffer (also a transfer source/destination). Move-only; frees its memory on destruction.
class Buffer {
 public:
  Buffer() = default;
  ~Buffer();
  Buffer(Buffer&& o) noexcept;
  Buffer& operator=(Buffer&& o) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  uint64_t size() const { return size_; }
  bool valid() const { return handle_ != 0; }
  View view(uint64_t offset = 0, uint64_t bytes = 0) const { return View{this, offset, bytes ? bytes : size_ - offset}; }
  // Host -> device / device -> host through a staging buffer; both wait for completion. Byte ranges are checked.
  Status upload(const void* src, uint64_t bytes, uint64_t offset = 0);
  Status download(void* dst, uint64_t bytes, uint64_t offset = 0) const;
  // Fills with a repeated 32-bit word (vkCmdFillBuffer); offset and bytes multiples of 4.
  Status fill_u32(uint32_t word, uint64_t offset = 0, uint64_t bytes = 0);
  void release();

  uint64_t handle() const { return handle_; }  // the VkBuffer, as an integer so this header needs no Vulkan headers

 private:
  friend class Context;
  Context* ctx_ = nullptr;
  uint64_t handle_ = 0;  // VkBuffer
  uint64_t memory_ = 0;  // VkDeviceMemory
  uint64_t size_ = 0;
};

// A compute pipeline and its layout. Owned by the Context's cache; users hold plain pointers.
class Pipeline {
 public:
  std::string name;
  uint32_t bindings = 0;
  uint32_t push_bytes = 0;
  uint32_t local_size[3] = {1, 1, 1};  // from the SPIR-V (for the groups() helper)
  uint64_t pipeline = 0, layout = 0, set_layout = 0;  // VkPipeline, VkPipelineLayout, VkDescriptorSetLayout
};

// Workgroup count along one axis for n items and `per_group` items per workgroup (ceil division).
inline uint32_t groups(uint64_t n, uint64_t per_group) { return uint32_t((n + per_group - 1) / per_group); }

struct RecorderImpl;

// Records dispatches (and copies/fills) into one command buffer; submit() runs them all and waits. Reusable:
// after submit() the recorder is empty again. Errors during recording are remembered and returned by submit().
class Recorder {
 public:
  explicit Recorder(Context& ctx);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Binds views to bindings 0..n-1, pushes `push` (push_bytes of the pipeline), dispatches gx*gy*gz workgroups.
  // Unless auto barriers are off, a compute+transfer -> compute memory barrier precedes it, so consecutive dispatches
  // see each other's writes.
  void dispatch(const Pipeline& p, std::initializer_list<View> views, const void* push, uint32_t push_bytes,
                uint32_t gx, uint32_t gy = 1, uint32_t gz = 1);
  void dispatch(const Pipeline& p, const std::vector<View>& views, const void* push, uint32_t push_bytes,
                uint32_t gx, uint32_t gy = 1, uint32_t gz = 1);
  // Device-side copy / fill (barriered like dispatches).
  void copy(View dst, View src, uint64_t bytes);
  void fill_u32(View dst, uint32_t word);
  // Full memory barrier now (when auto barriers are off and a later dispatch reads an earlier one's output).
  void barrier();
  void set_auto_barrier(bool on);
  // Writes a GPU timestamp labelled `label`; timings() then reports the time between consecutive labels.
  void timestamp(const std::string& label);

  // Submits everything recorded and waits for it. Returns the first recording error, or a device error.
  Status submit();
  // After submit(): (label, milliseconds since the previous timestamp) for each timestamp after the first.
  std::vector<std::pair<std::string, double>> timings() const;
  size_t dispatch_count() const;

 private:
  std::unique_ptr<RecorderImpl> impl_;
};

// The embedded SPIR-V of a shader by name (file stem of native/src/vulkan/shaders/<name>.comp), or nullptr.
struct ShaderBlob {
  const char* name;
  const uint32_t* words;
  size_t word_count;
};
const ShaderBlob* find_shader(const std::string& name);

}  // namespace lathe::vk
