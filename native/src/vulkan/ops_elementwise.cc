// Vulkan elementwise ops: add, add_inplace, scale, fill, SwiGLU forward/backward, embedding gather and its backward.
#include <cstring>

#include "vulkan/ops_common.h"

namespace lathe::vk {

using detail::capped_groups;
using detail::fits_u32;
using detail::for_slices;
using detail::need;
using detail::sub;

Status add(Context& ctx, Recorder& rec, View y, View a, View b, int64_t n) {
  LATHE_RETURN_IF_ERROR(fits_u32(n, "vk::add"));
  if (n == 0) return Status::Ok();
  for (const View* v : {&y, &a, &b}) LATHE_RETURN_IF_ERROR(need(*v, n * 4, "vk::add"));
  Pipeline* p;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "add", 3, 4));
  return for_slices(ctx, n, 4, [&](int64_t s, int64_t k) {
    uint32_t pc = uint32_t(k);
    rec.dispatch(*p, {sub(y, s * 4, k * 4), sub(a, s * 4, k * 4), sub(b, s * 4, k * 4)}, &pc, 4, capped_groups(k, 256));
    return Status::Ok();
  });
}

Status add_inplace(Context& ctx, Recorder& rec, View y, View a, int64_t n) {
  LATHE_RETURN_IF_ERROR(fits_u32(n, "vk::add_inplace"));
  if (n == 0) return Status::Ok();
  LATHE_RETURN_IF_ERROR(need(y, n * 4, "vk::add_inplace y"));
  LATHE_RETURN_IF_ERROR(need(a, n * 4, "vk::add_inplace a"));
  Pipeline* p;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "add_inplace", 2, 4));
  return for_slices(ctx, n, 4, [&](int64_t s, int64_t k) {
    uint32_t pc = uint32_t(k);
    rec.dispatch(*p, {sub(y, s * 4, k * 4), sub(a, s * 4, k * 4)}, &pc, 4, capped_groups(k, 256));
    return Status::Ok();
  });
}

Status scale(Context& ctx, Recorder& rec, View y, float s, int64_t n) {
  LATHE_RETURN_IF_ERROR(fits_u32(n, "vk::scale"));
  if (n == 0) return Status::Ok();
  LATHE_RETURN_IF_ERROR(need(y, n * 4, "vk::scale y"));
  Pipeline* p;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "scale", 1, 8));
  return for_slices(ctx, n, 4, [&](int64_t s0, int64_t k) {
    struct {
      uint32_t n;
      float s;
    } pc{uint32_t(k), s};
    rec.dispatch(*p, {sub(y, s0 * 4, k * 4)}, &pc, 8, capped_groups(k, 256));
    return Status::Ok();
  });
}

Status fill(Context& ctx, Recorder& rec, View y, float v, int64_t n) {
  if (n == 0) return Status::Ok();
  LATHE_RETURN_IF_ERROR(need(y, n * 4, "vk::fill y"));
  uint32_t word;
  std::memcpy(&word, &v, 4);
  rec.fill_u32(View{y.buf, y.offset, uint64_t(n) * 4}, word);
  return Status::Ok();
}

Status swiglu_forward(Context& ctx, Recorder& rec, View h, View g, View u, int64_t N) {
  LATHE_RETURN_IF_ERROR(fits_u32(N, "vk::swiglu_forward"));
  if (N == 0) return Status::Ok();
  for (const View* v : {&h, &g, &u}) LATHE_RETURN_IF_ERROR(need(*v, N * 4, "vk::swiglu_forward"));
  Pipeline* p;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "swiglu_fwd", 3, 4));
  return for_slices(ctx, N, 4, [&](int64_t s, int64_t k) {
    uint32_t pc = uint32_t(k);
    rec.dispatch(*p, {sub(h, s * 4, k * 4), sub(g, s * 4, k * 4), sub(u, s * 4, k * 4)}, &pc, 4, capped_groups(k, 256));
    return Status::Ok();
  });
}

Status swiglu_backward(Context& ctx, Recorder& rec, View dg, View du, View dh, View g, View u, int64_t N) {
  LATHE_RETURN_IF_ERROR(fits_u32(N, "vk::swiglu_backward"));
  if (N == 0) return Status::Ok();
  for (const View* v : {&dg, &du, &dh, &g, &u}) LATHE_RETURN_IF_ERROR(need(*v, N * 4, "vk::swiglu_backward"));
  Pipeline* p;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "swiglu_bwd", 5, 4));
  return for_slices(ctx, N, 4, [&](int64_t s, int64_t k) {
    uint32_t pc = uint32_t(k);
    const uint64_t o = s * 4, b = k * 4;
    rec.dispatch(*p, {sub(dg, o, b), sub(du, o, b), sub(dh, o, b), sub(g, o, b), sub(u, o, b)}, &pc, 4,
                 capped_groups(k, 256));
    return Status::Ok();
  });
}

Status check_ids(const int32_t* ids, int64_t T, int64_t V) {
  for (int64_t t = 0; t < T; ++t)
    if (ids[t] < 0 || ids[t] >= V)
      return Status::invalid("token id " + std::to_string(ids[t]) + " at position " + std::to_string(t) +
                                 " is outside the vocabulary (" + std::to_string(V) + " tokens)",
                             "Check that the tokenizer matches the model");
  return Status::Ok();
}

Status embedding_forward(Context& ctx, Recorder& rec, View out, View ids, View table, DType dtype, int64_t T, int64_t V,
                         int64_t C) {
  if (dtype != DType::f32 && dtype != DType::bf16)
    return Status::error(status_code::unsupported, "embedding table must be f32 or bf16");
  LATHE_RETURN_IF_ERROR(fits_u32(T * C, "vk::embedding_forward"));
  LATHE_RETURN_IF_ERROR(fits_u32(V * C, "vk::embedding_forward table"));
  if (T == 0 || C == 0) return Status::Ok();
  LATHE_RETURN_IF_ERROR(need(out, T * C * 4, "vk::embedding_forward out"));
  LATHE_RETURN_IF_ERROR(need(ids, T * 4, "vk::embedding_forward ids"));
  const uint64_t tab_bytes = dtype == DType::f32 ? V * C * 4 : (V * C * 2 + 3) / 4 * 4;
  LATHE_RETURN_IF_ERROR(need(table, tab_bytes, "vk::embedding_forward table"));
  Pipeline* p;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "embedding_fwd", 3, 12, {dtype == DType::bf16 ? 1u : 0u}));
  uint32_t pc[3] = {uint32_t(T), uint32_t(C), uint32_t(V)};
  rec.dispatch(*p, {out, ids, table}, pc, 12, capped_groups(T * C, 256));
  return Status::Ok();
}

Status embedding_backward(Context& ctx, Recorder& rec, View dtable, View dout, View ids, int64_t T, int64_t V, int64_t C) {
  LATHE_RETURN_IF_ERROR(fits_u32(T * C, "vk::embedding_backward"));
  LATHE_RETURN_IF_ERROR(fits_u32(V * C, "vk::embedding_backward table"));
  if (T == 0 || C == 0) return Status::Ok();
  LATHE_RETURN_IF_ERROR(need(dtable, V * C * 4, "vk::embedding_backward dtable"));
  LATHE_RETURN_IF_ERROR(need(dout, T * C * 4, "vk::embedding_backward dout"));
  LATHE_RETURN_IF_ERROR(need(ids, T * 4, "vk::embedding_backward ids"));
  if (C > 65535 * 64) return Status::invalid("vk::embedding_backward: C too large");
  Pipeline* p;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "embedding_bwd", 3, 12));
  uint32_t pc[3] = {uint32_t(T), uint32_t(C), uint32_t(V)};
  rec.dispatch(*p, {dtable, dout, ids}, pc, 12, groups(C, 64));
  return Status::Ok();
}

}  // namespace lathe::vk
