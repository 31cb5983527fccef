// vk::Context: instance, device choice (discrete > integrated > virtual > CPU-when-allowed), compute queue, command
// pool, pipeline cache on disk and the memory budget; plus the device probe that `lathe info` shows.
#ifdef _WIN32
#include <process.h>
#else
#include <unistd.h>
#endif
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "vulkan/context_impl.h"

namespace lathe::vk {

const char* device_type_name(DeviceType t) {
  switch (t) {
    case DeviceType::discrete: return "discrete";
    case DeviceType::integrated: return "integrated";
    case DeviceType::virtual_gpu: return "virtual";
    case DeviceType::cpu: return "cpu";
    default: return "other";
  }
}

std::string version_string(uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) + "." +
         std::to_string(VK_API_VERSION_PATCH(v));
}

bool env_allows_cpu() {
  const char* e = std::getenv("LATHE_VULKAN_ALLOW_CPU");
  return e && std::strcmp(e, "1") == 0;
}

namespace {

DeviceType to_type(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return DeviceType::discrete;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return DeviceType::integrated;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return DeviceType::virtual_gpu;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return DeviceType::cpu;
    default: return DeviceType::other;
  }
}

int type_rank(DeviceType t) {
  switch (t) {
    case DeviceType::discrete: return 4;
    case DeviceType::integrated: return 3;
    case DeviceType::virtual_gpu: return 2;
    case DeviceType::other: return 1;
    default: return 0;
  }
}

bool has_ext(const std::vector<VkExtensionProperties>& exts, const char* name) {
  for (const auto& e : exts)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

std::vector<VkExtensionProperties> device_exts(const Fns& f, VkPhysicalDevice pd) {
  uint32_t n = 0;
  f.vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> v(n);
  if (n) f.vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, v.data());
  v.resize(n);
  return v;
}

// Picks the largest device-local heap (the VRAM) and reads its budget when VK_EXT_memory_budget is present.
void heap_budget(const Fns& f, VkPhysicalDevice pd, bool budget_ext, int* heap, uint64_t* size, uint64_t* budget,
                 uint64_t* usage) {
  VkPhysicalDeviceMemoryBudgetPropertiesEXT b{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
  VkPhysicalDeviceMemoryProperties2 mp{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2};
  if (budget_ext) mp.pNext = &b;
  f.vkGetPhysicalDeviceMemoryProperties2(pd, &mp);
  *heap = -1;
  *size = 0;
  for (uint32_t i = 0; i < mp.memoryProperties.memoryHeapCount; ++i) {
    const auto& h = mp.memoryProperties.memoryHeaps[i];
    if ((h.flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) && h.size > *size) {
      *heap = int(i);
      *size = h.size;
    }
  }
  *budget = (budget_ext && *heap >= 0) ? b.heapBudget[*heap] : 0;
  *usage = (budget_ext && *heap >= 0) ? b.heapUsage[*heap] : 0;
}

}  // namespace

void probe_device(const Fns& f, VkPhysicalDevice pd, int index, bool allow_cpu, DeviceInfo* out) {
  DeviceInfo d;
  d.index = index;
  VkPhysicalDeviceProperties base{};
  f.vkGetPhysicalDeviceProperties(pd, &base);
  d.api_version = base.apiVersion;
  const bool v12 = VK_API_VERSION_MAJOR(base.apiVersion) > 1 || VK_API_VERSION_MINOR(base.apiVersion) >= 2;

  VkPhysicalDeviceDriverProperties drv{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  VkPhysicalDeviceSubgroupProperties sub{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  p2.pNext = &sub;
  if (v12) sub.pNext = &drv;
  f.vkGetPhysicalDeviceProperties2(pd, &p2);
  d.name = base.deviceName;
  d.type = to_type(base.deviceType);
  d.vendor_id = base.vendorID;
  d.device_id = base.deviceID;
  d.driver_version = base.driverVersion;
  if (v12) {
    d.driver_name = drv.driverName;
    d.driver_info = drv.driverInfo;
  }
  d.subgroup_size = sub.subgroupSize;
  d.max_shared_bytes = base.limits.maxComputeSharedMemorySize;

  VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceFeatures2 feat{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  if (v12) {
    feat.pNext = &f11;
    f11.pNext = &f12;
    f.vkGetPhysicalDeviceFeatures2(pd, &feat);
    d.storage16 = f11.storageBuffer16BitAccess;
    d.fp16 = f12.shaderFloat16;
    d.int8 = f12.shaderInt8;
  }

  auto exts = device_exts(f, pd);
  d.memory_budget_ext = has_ext(exts, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  d.coopmat_nv = has_ext(exts, "VK_NV_cooperative_matrix");
  d.coopmat_khr = has_ext(exts, "VK_KHR_cooperative_matrix");
  int heap;
  heap_budget(f, pd, d.memory_budget_ext, &heap, &d.device_local_bytes, &d.budget_bytes, &d.usage_bytes);

  uint32_t nq = 0;
  f.vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, nullptr);
  std::vector<VkQueueFamilyProperties> qs(nq);
  f.vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, qs.data());
  for (const auto& q : qs)
    if (q.queueFlags & VK_QUEUE_COMPUTE_BIT) d.has_compute = true;

  if (!v12) d.unusable_reason = "Vulkan 1.2 is needed (update the driver)";
  else if (!d.has_compute) d.unusable_reason = "no compute queue";
  else if (heap < 0) d.unusable_reason = "no device-local memory";
  else if (d.type == DeviceType::cpu && !allow_cpu)
    d.unusable_reason = "CPU device (software Vulkan); set LATHE_VULKAN_ALLOW_CPU=1 to use it (slower than Lathe's CPU backend)";
  d.usable = d.unusable_reason.empty();
  *out = std::move(d);
}

Status create_instance(Fns* f, bool validation, VkInstance* out) {
  LATHE_RETURN_IF_ERROR(load_global(f));
  uint32_t loader_version = VK_API_VERSION_1_0;
  if (f->vkEnumerateInstanceVersion) f->vkEnumerateInstanceVersion(&loader_version);
  if (VK_API_VERSION_MINOR(loader_version) < 2 && VK_API_VERSION_MAJOR(loader_version) == 1)
    return Status::error(status_code::unsupported, "the Vulkan loader is older than 1.2",
                         "update the Vulkan loader (libvulkan1 / the GPU driver)");
  uint32_t n = 0;
  f->vkEnumerateInstanceExtensionProperties(nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> exts(n);
  if (n) f->vkEnumerateInstanceExtensionProperties(nullptr, &n, exts.data());
  std::vector<const char*> enable;
  VkInstanceCreateFlags flags = 0;
  // MoltenVK (macOS) is a "portability" implementation: listed only when we ask for it.
  if (has_ext(exts, "VK_KHR_portability_enumeration")) {
    enable.push_back("VK_KHR_portability_enumeration");
    flags |= 0x00000001;  // VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR
  }
  std::vector<const char*> layers;
  const char* ev = std::getenv("LATHE_VULKAN_VALIDATE");
  if (validation || (ev && std::strcmp(ev, "1") == 0)) {
    uint32_t nl = 0;
    f->vkEnumerateInstanceLayerProperties(&nl, nullptr);
    std::vector<VkLayerProperties> ls(nl);
    if (nl) f->vkEnumerateInstanceLayerProperties(&nl, ls.data());
    for (const auto& l : ls)
      if (std::strcmp(l.layerName, "VK_LAYER_KHRONOS_validation") == 0) layers.push_back("VK_LAYER_KHRONOS_validation");
  }
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "Lathe";
  app.pEngineName = "Lathe";
  app.apiVersion = std::min<uint32_t>(loader_version, VK_API_VERSION_1_3);
  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.flags = flags;
  ci.pApplicationInfo = &app;
  ci.enabledExtensionCount = uint32_t(enable.size());
  ci.ppEnabledExtensionNames = enable.data();
  ci.enabledLayerCount = uint32_t(layers.size());
  ci.ppEnabledLayerNames = layers.data();
  VkResult r = f->vkCreateInstance(&ci, nullptr, out);
  if (r != VK_SUCCESS) return vk_error("vkCreateInstance", r);
  Status st = load_instance(f, *out);
  if (!st.ok() && f->vkDestroyInstance) f->vkDestroyInstance(*out, nullptr);
  return st;
}

Status list_devices(std::vector<DeviceInfo>* devices, bool allow_cpu) {
  devices->clear();
  allow_cpu = allow_cpu || env_allows_cpu();
  Fns f;
  VkInstance inst = VK_NULL_HANDLE;
  LATHE_RETURN_IF_ERROR(create_instance(&f, false, &inst));
  uint32_t n = 0;
  f.vkEnumeratePhysicalDevices(inst, &n, nullptr);
  std::vector<VkPhysicalDevice> pds(n);
  if (n) f.vkEnumeratePhysicalDevices(inst, &n, pds.data());
  for (uint32_t i = 0; i < n; ++i) {
    DeviceInfo d;
    probe_device(f, pds[i], int(i), allow_cpu, &d);
    devices->push_back(std::move(d));
  }
  f.vkDestroyInstance(inst, nullptr);
  return Status::Ok();
}

// ------------------------------------------------------------------------------------------------------------------

Context::Context() : impl_(std::make_unique<ContextImpl>()) {}
Context::~Context() {
  if (impl_->device) save_pipeline_cache();
  impl_->destroy();
}
bool Context::ready() const { return impl_->device != VK_NULL_HANDLE; }
const DeviceInfo& Context::device() const { return impl_->info; }
const Caps& Context::caps() const { return impl_->caps; }

namespace {

// Reads a pipeline cache file when its header matches this device (a stale or foreign file is ignored, not an error).
std::vector<char> read_cache(const std::string& path, const VkPhysicalDeviceProperties& p) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() < 32) return {};
  uint32_t hdr[4];
  std::memcpy(hdr, data.data(), 16);
  if (hdr[1] != VK_PIPELINE_CACHE_HEADER_VERSION_ONE || hdr[2] != p.vendorID || hdr[3] != p.deviceID ||
      std::memcmp(data.data() + 16, p.pipelineCacheUUID, VK_UUID_SIZE) != 0)
    return {};
  return data;
}

uint32_t find_memory_type(const VkPhysicalDeviceMemoryProperties& mem, VkMemoryPropertyFlags want,
                          VkMemoryPropertyFlags prefer) {
  uint32_t best = UINT32_MAX;
  for (uint32_t i = 0; i < mem.memoryTypeCount; ++i) {
    VkMemoryPropertyFlags fl = mem.memoryTypes[i].propertyFlags;
    if ((fl & want) != want) continue;
    if ((fl & prefer) == prefer) return i;
    if (best == UINT32_MAX) best = i;
  }
  return best;
}

}  // namespace

Status Context::init(const ContextOptions& opts) {
  ContextImpl& c = *impl_;
  if (c.device) return Status::invalid("vk::Context::init called twice");
  const bool allow_cpu = opts.allow_cpu || env_allows_cpu();
  LATHE_RETURN_IF_ERROR(create_instance(&c.f, opts.validation, &c.instance));
  const Fns& f = c.f;

  uint32_t n = 0;
  f.vkEnumeratePhysicalDevices(c.instance, &n, nullptr);
  std::vector<VkPhysicalDevice> pds(n);
  if (n) f.vkEnumeratePhysicalDevices(c.instance, &n, pds.data());
  std::vector<DeviceInfo> infos(n);
  for (uint32_t i = 0; i < n; ++i) probe_device(f, pds[i], int(i), allow_cpu, &infos[i]);

  int want = opts.device_index;
  if (want < 0)
    if (const char* e = std::getenv("LATHE_VULKAN_DEVICE")) want = std::atoi(e);
  int pick = -1;
  if (want >= 0) {
    if (want >= int(n))
      return Status::invalid("Vulkan device " + std::to_string(want) + " does not exist (" + std::to_string(n) +
                             " found)", "run `lathe info` to list the Vulkan devices");
    if (!infos[want].usable)
      return Status::error(status_code::unsupported, "Vulkan device " + std::to_string(want) + " (" +
                           infos[want].name + ") is not usable: " + infos[want].unusable_reason);
    pick = want;
  } else {
    for (uint32_t i = 0; i < n; ++i) {
      if (!infos[i].usable) continue;
      if (pick < 0 || type_rank(infos[i].type) > type_rank(infos[pick].type) ||
          (type_rank(infos[i].type) == type_rank(infos[pick].type) &&
           infos[i].device_local_bytes > infos[pick].device_local_bytes))
        pick = int(i);
    }
  }
  if (pick < 0) {
    std::string why = n == 0 ? "no Vulkan device found" : "no usable Vulkan device:";
    for (const auto& d : infos) why += " [" + d.name + ": " + d.unusable_reason + "]";
    return Status::error(status_code::unsupported, why,
                         "install the GPU's Vulkan driver; for a software device (tests) set LATHE_VULKAN_ALLOW_CPU=1");
  }
  c.phys = pds[pick];
  c.info = infos[pick];

  // Queue: a compute family, preferring one without graphics (a dedicated compute queue on AMD/NVIDIA).
  uint32_t nq = 0;
  f.vkGetPhysicalDeviceQueueFamilyProperties(c.phys, &nq, nullptr);
  std::vector<VkQueueFamilyProperties> qs(nq);
  f.vkGetPhysicalDeviceQueueFamilyProperties(c.phys, &nq, qs.data());
  int fam = -1;
  for (uint32_t i = 0; i < nq; ++i) {
    if (!(qs[i].queueFlags & VK_QUEUE_COMPUTE_BIT)) continue;
    if (fam < 0 || ((qs[fam].queueFlags & VK_QUEUE_GRAPHICS_BIT) && !(qs[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)))
      fam = int(i);
  }
  c.queue_family = uint32_t(fam);

  // Features: everything the device offers that our shaders may use, except robustBufferAccess (costs speed).
  VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceVulkan13Features f13{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
  VkPhysicalDeviceCooperativeMatrixFeaturesNV cm_nv{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
  VkPhysicalDeviceFeatures2 feat{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  feat.pNext = &f11;
  f11.pNext = &f12;
  void** tail = &f12.pNext;
  const bool v13 = VK_API_VERSION_MINOR(c.info.api_version) >= 3 || VK_API_VERSION_MAJOR(c.info.api_version) > 1;
  if (v13) {
    *tail = &f13;
    tail = &f13.pNext;
  }
  auto exts = device_exts(f, c.phys);
  std::vector<const char*> enable;
  if (c.info.memory_budget_ext) enable.push_back(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  if (c.info.coopmat_nv) {
    enable.push_back("VK_NV_cooperative_matrix");
    *tail = &cm_nv;
    tail = &cm_nv.pNext;
  }
  f.vkGetPhysicalDeviceFeatures2(c.phys, &feat);
  feat.features.robustBufferAccess = VK_FALSE;
  if (v13) f13.robustImageAccess = VK_FALSE;

  float prio = 1.f;
  VkDeviceQueueCreateInfo qci{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  qci.queueFamilyIndex = c.queue_family;
  qci.queueCount = 1;
  qci.pQueuePriorities = &prio;
  VkDeviceCreateInfo dci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  dci.pNext = &feat;
  dci.queueCreateInfoCount = 1;
  dci.pQueueCreateInfos = &qci;
  dci.enabledExtensionCount = uint32_t(enable.size());
  dci.ppEnabledExtensionNames = enable.data();
  VkResult r = f.vkCreateDevice(c.phys, &dci, nullptr, &c.device);
  if (r != VK_SUCCESS) return vk_error("vkCreateDevice on " + c.info.name, r);
  LATHE_RETURN_IF_ERROR(load_device(&c.f, c.device));
  f.vkGetDeviceQueue(c.device, c.queue_family, 0, &c.queue);

  VkCommandPoolCreateInfo pci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pci.queueFamilyIndex = c.queue_family;
  if ((r = f.vkCreateCommandPool(c.device, &pci, nullptr, &c.pool)) != VK_SUCCESS)
    return vk_error("vkCreateCommandPool", r);

  VkPhysicalDeviceMaintenance3Properties m3{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
  VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  p2.pNext = &m3;
  f.vkGetPhysicalDeviceProperties2(c.phys, &p2);
  const VkPhysicalDeviceProperties& props = p2.properties;
  c.cache_path = opts.pipeline_cache_path;
  std::vector<char> cache_data = c.cache_path.empty() ? std::vector<char>{} : read_cache(c.cache_path, props);
  VkPipelineCacheCreateInfo cci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  cci.initialDataSize = cache_data.size();
  cci.pInitialData = cache_data.empty() ? nullptr : cache_data.data();
  if ((r = f.vkCreatePipelineCache(c.device, &cci, nullptr, &c.cache)) != VK_SUCCESS)
    return vk_error("vkCreatePipelineCache", r);

  f.vkGetPhysicalDeviceMemoryProperties(c.phys, &c.mem);
  c.device_type_index = find_memory_type(c.mem, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
  c.staging_type_index = find_memory_type(c.mem, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                                          VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
  if (c.device_type_index == UINT32_MAX || c.staging_type_index == UINT32_MAX)
    return Status::error(status_code::unsupported, c.info.name + " lacks device-local or host-visible memory");
  uint64_t sz, b, u;
  heap_budget(f, c.phys, c.info.memory_budget_ext, &c.main_heap, &sz, &b, &u);

  Caps& k = c.caps;
  k.subgroup_size = c.info.subgroup_size;
  k.max_shared_bytes = props.limits.maxComputeSharedMemorySize;
  k.max_workgroup_invocations = props.limits.maxComputeWorkGroupInvocations;
  k.max_push_bytes = props.limits.maxPushConstantsSize;
  k.max_storage_range = props.limits.maxStorageBufferRange;
  k.max_allocation = m3.maxMemoryAllocationSize;
  if (opts.max_binding_bytes > 0) k.max_storage_range = std::min<uint64_t>(k.max_storage_range, opts.max_binding_bytes);
  k.storage_align = uint32_t(std::max<VkDeviceSize>(4, props.limits.minStorageBufferOffsetAlignment));
  k.fp16 = c.info.fp16;
  k.storage16 = c.info.storage16;
  k.int8 = c.info.int8;
  k.coopmat_nv = c.info.coopmat_nv && cm_nv.cooperativeMatrix;
  k.coopmat_khr = false;  // enabled once a KHR cooperative-matrix kernel exists (Debian's glslc cannot compile it)
  k.timestamps = qs[fam].timestampValidBits > 0 && props.limits.timestampPeriod > 0;
  k.timestamp_period_ns = props.limits.timestampPeriod;
  return Status::Ok();
}

void Context::memory_budget(uint64_t* budget, uint64_t* usage) const {
  const ContextImpl& c = *impl_;
  uint64_t size = 0, b = 0, u = 0;
  int heap;
  if (c.phys) heap_budget(c.f, c.phys, c.info.memory_budget_ext, &heap, &size, &b, &u);
  *budget = c.info.memory_budget_ext ? b : size;
  *usage = c.info.memory_budget_ext ? u : c.allocated;
}

Status Context::save_pipeline_cache() {
  ContextImpl& c = *impl_;
  if (c.cache_path.empty() || !c.cache) return Status::Ok();
  size_t n = 0;
  c.f.vkGetPipelineCacheData(c.device, c.cache, &n, nullptr);
  std::vector<char> data(n);
  if (n && c.f.vkGetPipelineCacheData(c.device, c.cache, &n, data.data()) != VK_SUCCESS) return Status::Ok();
  // Per-process temp name: the app's engine hosts (a run, the shared one) may save the same cache at once.
#ifdef _WIN32
  const std::string tmp = c.cache_path + "." + std::to_string(_getpid()) + ".tmp";
#else
  const std::string tmp = c.cache_path + "." + std::to_string(getpid()) + ".tmp";
#endif
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::error(status_code::io_error, "cannot write the Vulkan pipeline cache " + tmp);
    out.write(data.data(), std::streamsize(n));
    if (!out) return Status::error(status_code::io_error, "cannot write the Vulkan pipeline cache " + tmp);
  }
  if (std::rename(tmp.c_str(), c.cache_path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::error(status_code::io_error, "cannot replace the Vulkan pipeline cache " + c.cache_path);
  }
  return Status::Ok();
}

Status Context::wait_idle() {
  if (!impl_->device) return Status::Ok();
  std::lock_guard<std::mutex> lock(impl_->queue_mutex);
  VkResult r = impl_->f.vkDeviceWaitIdle(impl_->device);
  return r == VK_SUCCESS ? Status::Ok() : vk_error("vkDeviceWaitIdle", r);
}

void ContextImpl::destroy() {
  if (device) {
    f.vkDeviceWaitIdle(device);
    for (auto& [k, p] : pipelines) {
      f.vkDestroyPipeline(device, VkPipeline(p->pipeline), nullptr);
      f.vkDestroyPipelineLayout(device, VkPipelineLayout(p->layout), nullptr);
      f.vkDestroyDescriptorSetLayout(device, VkDescriptorSetLayout(p->set_layout), nullptr);
    }
    pipelines.clear();
    if (staging) f.vkDestroyBuffer(device, staging, nullptr);
    if (staging_mem) f.vkFreeMemory(device, staging_mem, nullptr);
    if (xfer_fence) f.vkDestroyFence(device, xfer_fence, nullptr);
    if (cache) f.vkDestroyPipelineCache(device, cache, nullptr);
    if (pool) f.vkDestroyCommandPool(device, pool, nullptr);
    f.vkDestroyDevice(device, nullptr);
    device = VK_NULL_HANDLE;
  }
  if (instance) {
    f.vkDestroyInstance(instance, nullptr);
    instance = VK_NULL_HANDLE;
  }
}

}  // namespace lathe::vk
