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

// Bytes [off, off + bytes) of a view, as a view.
inline View sub(const View& v, uint64_t off, uint64_t bytes) { return View{v.buf, v.offset + off, bytes}; }

// Rows per slice so that one slice of `row_bytes`-byte rows fits the device's maxStorageBufferRange: a multiple of 64
// rows, so every slice of these rows and of any per-row float array (rstd, positions) starts 256-byte aligned.
// Ops on tensors larger than one binding thus run as several dispatches; when everything fits there is one slice.
inline int64_t rows_per_slice(const Context& ctx, uint64_t row_bytes) {
  const uint64_t fit = ctx.caps().max_storage_range / std::max<uint64_t>(row_bytes, 1);
  return int64_t(std::max<uint64_t>(64, fit / 64 * 64));
}

// Calls fn(first, count) over [0, n) in slices of at most rows_per_slice rows; stops at the first error.
template <class F>
Status for_slices(const Context& ctx, int64_t n, uint64_t row_bytes, F&& fn) {
  const int64_t per = rows_per_slice(ctx, row_bytes);
  for (int64_t s = 0; s < n; s += per) LATHE_RETURN_IF_ERROR(fn(s, std::min(per, n - s)));
  return Status::Ok();
}

}  // namespace lathe::vk::detail
