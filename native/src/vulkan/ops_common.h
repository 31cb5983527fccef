// Helpers shared by the Vulkan op wrappers (ops_*.cc): view size checks, workgroup counts, pipeline lookup.
#pragma once
#include <algorithm>
#include <string>

#include "vulkan/ops.h"

namespace lathe::vk::detail {

// Fails unless `v` is a non-empty view of at least `bytes` bytes; `what` names the op and the argument.
inline Status need(const View& v, uint64_t bytes, const char* what) {
  if (!v.buf || !v.buf->valid()) return Status::invalid(std::string(what) + ": no buffer given");
  if (v.size < bytes)
    return Status::invalid(std::string(what) + ": view of " + std::to_string(v.size) + " bytes, " +
                           std::to_string(bytes) + " needed");
  return Status::Ok();
}
inline bool given(const View& v) { return v.buf != nullptr; }

// Element counts go to the shaders as uint32.
inline Status fits_u32(int64_t n, const char* what) {
  if (n < 0 || n > int64_t(UINT32_MAX))
    return Status::invalid(std::string(what) + ": " + std::to_string(n) + " elements (at most 2^32 - 1 per op)");
  return Status::Ok();
}

// Grid-stride shaders: enough groups to cover n items at `per` per group, capped at the 65535 every device allows.
inline uint32_t capped_groups(uint64_t n, uint64_t per) {
  return uint32_t(std::min<uint64_t>(std::max<uint64_t>(groups(n, per), 1), 65535));
}

}  // namespace lathe::vk::detail
