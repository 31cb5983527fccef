// Vulkan RMSNorm forward and backward (input gradient per row; weight gradient per column, accumulated).
#include "vulkan/ops_common.h"

namespace lathe::vk {

using detail::capped_groups;
using detail::fits_u32;
using detail::given;
using detail::for_slices;
using detail::need;
using detail::sub;

Status rmsnorm_forward(Context& ctx, Recorder& rec, View y, View rstd, View x, View w, int64_t N, int64_t C, float eps) {
  LATHE_RETURN_IF_ERROR(fits_u32(N * C, "vk::rmsnorm_forward"));
  if (N == 0 || C == 0) return Status::Ok();
  LATHE_RETURN_IF_ERROR(need(y, N * C * 4, "vk::rmsnorm_forward y"));
  LATHE_RETURN_IF_ERROR(need(x, N * C * 4, "vk::rmsnorm_forward x"));
  LATHE_RETURN_IF_ERROR(need(w, C * 4, "vk::rmsnorm_forward w"));
  if (given(rstd)) LATHE_RETURN_IF_ERROR(need(rstd, N * 4, "vk::rmsnorm_forward rstd"));
  Pipeline* p;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "rmsnorm_fwd", 4, 16));
  struct {
    uint32_t N, C;
    float eps;
    uint32_t has_rstd;
  } pc{uint32_t(N), uint32_t(C), eps, given(rstd) ? 1u : 0u};
  return for_slices(ctx, N, C * 4, [&](int64_t r, int64_t k) {
    pc.N = uint32_t(k);
    const uint64_t o = r * C * 4, b = k * C * 4;
    View rs = given(rstd) ? sub(rstd, r * 4, k * 4) : sub(y, o, b);
    rec.dispatch(*p, {sub(y, o, b), rs, sub(x, o, b), w}, &pc, 16, capped_groups(k, 1));
    return Status::Ok();
  });
}

Status rmsnorm_backward(Context& ctx, Recorder& rec, View dx, View dw, View dy, View x, View w, View rstd, int64_t N,
                        int64_t C, bool accumulate) {
  LATHE_RETURN_IF_ERROR(fits_u32(N * C, "vk::rmsnorm_backward"));
  if (N == 0 || C == 0) return Status::Ok();
  LATHE_RETURN_IF_ERROR(need(dy, N * C * 4, "vk::rmsnorm_backward dy"));
  LATHE_RETURN_IF_ERROR(need(x, N * C * 4, "vk::rmsnorm_backward x"));
  LATHE_RETURN_IF_ERROR(need(w, C * 4, "vk::rmsnorm_backward w"));
  LATHE_RETURN_IF_ERROR(need(rstd, N * 4, "vk::rmsnorm_backward rstd"));
  if (given(dx)) {
    LATHE_RETURN_IF_ERROR(need(dx, N * C * 4, "vk::rmsnorm_backward dx"));
    Pipeline* p;
    LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "rmsnorm_bwd_dx", 5, 8, {accumulate ? 1u : 0u}));
    LATHE_RETURN_IF_ERROR(for_slices(ctx, N, C * 4, [&](int64_t r, int64_t k) {
      uint32_t spc[2] = {uint32_t(k), uint32_t(C)};
      const uint64_t o = r * C * 4, b = k * C * 4;
      rec.dispatch(*p, {sub(dx, o, b), sub(dy, o, b), sub(x, o, b), w, sub(rstd, r * 4, k * 4)}, spc, 8,
                   capped_groups(k, 1));
      return Status::Ok();
    }));
  }
  if (given(dw)) {
    LATHE_RETURN_IF_ERROR(need(dw, C * 4, "vk::rmsnorm_backward dw"));
    Pipeline* p;
    LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "rmsnorm_bwd_dw", 4, 8));
    // Each slice adds its rows' share into dw (the shader accumulates), so slicing keeps the += semantics.
    LATHE_RETURN_IF_ERROR(for_slices(ctx, N, C * 4, [&](int64_t r, int64_t k) {
      uint32_t spc[2] = {uint32_t(k), uint32_t(C)};
      const uint64_t o = r * C * 4, b = k * C * 4;
      rec.dispatch(*p, {dw, sub(dy, o, b), sub(x, o, b), sub(rstd, r * 4, k * 4)}, spc, 8, groups(C, 16));
      return Status::Ok();
    }));
  }
  return Status::Ok();
}

}  // namespace lathe::vk
