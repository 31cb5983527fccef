// Vulkan RoPE forward and backward (one shader, the backward rotates by the negative angle).
#include "vulkan/ops_common.h"

namespace lathe::vk {

using detail::capped_groups;
using detail::fits_u32;
using detail::need;

Status check_positions(const int32_t* pos, int64_t T, int64_t P) {
  for (int64_t t = 0; t < T; ++t)
    if (pos[t] < 0 || pos[t] >= P)
      return Status::invalid("rope: position " + std::to_string(pos[t]) + " at row " + std::to_string(t) +
                             " is outside the table (" + std::to_string(P) + " positions)");
  return Status::Ok();
}

namespace {
Status rope_apply(Context& ctx, Recorder& rec, View y, View x, View pos, View cos, View sin, int64_t T, int64_t NHX,
                  int64_t HD, int64_t P, float sign, const char* what) {
  if (HD % 2 != 0) return Status::invalid("rope: head_dim must be even");
  LATHE_RETURN_IF_ERROR(fits_u32(T * NHX * HD, what));
  if (T == 0 || NHX == 0 || HD == 0) return Status::Ok();
  LATHE_RETURN_IF_ERROR(need(y, T * NHX * HD * 4, what));
  LATHE_RETURN_IF_ERROR(need(x, T * NHX * HD * 4, what));
  LATHE_RETURN_IF_ERROR(need(pos, T * 4, what));
  LATHE_RETURN_IF_ERROR(need(cos, P * (HD / 2) * 4, what));
  LATHE_RETURN_IF_ERROR(need(sin, P * (HD / 2) * 4, what));
  Pipeline* p;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "rope", 5, 20));
  struct {
    uint32_t T, NHX, HD, P;
    float sign;
  } pc{uint32_t(T), uint32_t(NHX), uint32_t(HD), uint32_t(P), sign};
  const uint64_t row = uint64_t(NHX * HD) * 4;  // one token
  return detail::for_slices(ctx, T, row, [&](int64_t t, int64_t k) {
    using detail::sub;
    pc.T = uint32_t(k);
    rec.dispatch(*p, {sub(y, t * row, k * row), sub(x, t * row, k * row), sub(pos, t * 4, k * 4), cos, sin}, &pc, 20,
                 capped_groups(k * NHX * (HD / 2), 256));
    return Status::Ok();
  });
}
}  // namespace

Status rope_forward(Context& ctx, Recorder& rec, View y, View x, View pos, View cos, View sin, int64_t T, int64_t NHX,
                    int64_t HD, int64_t P) {
  return rope_apply(ctx, rec, y, x, pos, cos, sin, T, NHX, HD, P, 1.f, "vk::rope_forward");
}

Status rope_backward(Context& ctx, Recorder& rec, View dx, View dy, View pos, View cos, View sin, int64_t T,
                     int64_t NHX, int64_t HD, int64_t P) {
  return rope_apply(ctx, rec, dx, dy, pos, cos, sin, T, NHX, HD, P, -1.f, "vk::rope_backward");
}

}  // namespace lathe::vk
