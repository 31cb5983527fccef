// Vulkan AdamW step and the global gradient norm (device partial sums of squares, added in double on the host).
#include <cmath>
#include <vector>

#include "vulkan/ops_common.h"

namespace lathe::vk {

using detail::capped_groups;
using detail::fits_u32;
using detail::need;

Status adamw_step(Context& ctx, Recorder& rec, View param, View m, View v, View grad, int64_t n, const cpu::AdamW& o,
                  float grad_scale) {
  LATHE_RETURN_IF_ERROR(fits_u32(n, "vk::adamw_step"));
  if (n == 0) return Status::Ok();
  for (const View* b : {&param, &m, &v, &grad}) LATHE_RETURN_IF_ERROR(need(*b, n * 4, "vk::adamw_step"));
  // The same host arithmetic as cpu::adamw_step, so only the device's per-element rounding can differ.
  const double bc1 = 1.0 - std::pow(static_cast<double>(o.beta1), static_cast<double>(o.step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(o.beta2), static_cast<double>(o.step));
  struct {
    uint32_t n;
    float step_size, bc2_sqrt, decay, b1, b2, eps, grad_scale;
  } pc{uint32_t(n), static_cast<float>(o.lr / bc1), static_cast<float>(std::sqrt(bc2)), 1.0f - o.lr * o.weight_decay,
       o.beta1, o.beta2, o.eps, grad_scale};
  Pipeline* p;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "adamw", 4, 32));
  return detail::for_slices(ctx, n, 4, [&](int64_t s, int64_t k) {
    pc.n = uint32_t(k);
    const uint64_t o = s * 4, b = k * 4;
    using detail::sub;
    rec.dispatch(*p, {sub(param, o, b), sub(m, o, b), sub(v, o, b), sub(grad, o, b)}, &pc, 32, capped_groups(k, 256));
    return Status::Ok();
  });
}

namespace {
constexpr int64_t kChunk = 4096;             // values per workgroup in sumsq_partial.comp
constexpr int64_t kMaxPerDispatch = kChunk * 65535;
}  // namespace

int64_t grad_norm_scratch_floats(const DBuf* bufs, int64_t n_bufs) {
  int64_t total = 0;
  for (int64_t b = 0; b < n_bufs; ++b) total += (bufs[b].n + kChunk - 1) / kChunk;
  return total;
}

Status grad_norm(Context& ctx, Recorder& rec, const DBuf* bufs, int64_t n_bufs, View scratch, double* out) {
  *out = 0;
  const int64_t parts = grad_norm_scratch_floats(bufs, n_bufs);
  if (parts == 0) return rec.submit();
  LATHE_RETURN_IF_ERROR(need(scratch, parts * 4, "vk::grad_norm scratch"));
  Pipeline* p;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "sumsq_partial", 2, 8));
  int64_t off = 0;
  for (int64_t b = 0; b < n_bufs; ++b) {
    LATHE_RETURN_IF_ERROR(need(bufs[b].view, bufs[b].n * 4, "vk::grad_norm buffer"));
    // Buffers beyond 65535 workgroups go in slices; a slice starts at a multiple of 16 KiB, so it stays aligned.
    for (int64_t s = 0; s < bufs[b].n; s += kMaxPerDispatch) {
      const int64_t n = std::min(kMaxPerDispatch, bufs[b].n - s);
      View v{bufs[b].view.buf, bufs[b].view.offset + uint64_t(s) * 4, uint64_t(n) * 4};
      uint32_t pc[2] = {uint32_t(n), uint32_t(off)};
      rec.dispatch(*p, {scratch, v}, pc, 8, uint32_t(groups(n, kChunk)));
      off += (n + kChunk - 1) / kChunk;
    }
  }
  LATHE_RETURN_IF_ERROR(rec.submit());
  std::vector<float> part(parts);
  LATHE_RETURN_IF_ERROR(scratch.buf->download(part.data(), parts * 4, scratch.offset));
  double total = 0;
  for (float x : part) total += static_cast<double>(x);
  *out = std::sqrt(total);
  return Status::Ok();
}

}  // namespace lathe::vk
