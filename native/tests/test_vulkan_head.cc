// Vulkan output-head parity against the CPU scalar reference: chunked log-softmax gather forward (logp, lse) and
// backward (dh, with the saved lse or recomputing it, overwrite or accumulate), head f32 and bf16, targets of -1,
// chunks that do and do not divide T, and logits_row; plus the target check's error.
// Tolerance: max |vk - cpu| / max |cpu| <= 2e-5 for logp, lse, dh and logits (fp32; the CPU sums exp in double).
#include <random>
#include <string>

#include "quant/bf16.h"
#include "vulkan/ops_head.h"
#include "vulkan_harness.h"

namespace lathe::test {

namespace {

constexpr double kTol = 2e-5;

void run_case(Harness& h, VkEnv& env, std::mt19937& rng, int64_t T, int64_t V, int64_t C, int64_t chunk, bool bf16) {
  std::string name = std::string("vk head ") + (bf16 ? "bf16" : "f32") + " T" + std::to_string(T) + " V" +
                     std::to_string(V) + " C" + std::to_string(C) + " chunk " + std::to_string(chunk);
  auto wf = randn(rng, V * C, 0.5f), hid = randn(rng, T * C), g = randn(rng, T), dh0 = randn(rng, T * C);
  std::vector<uint16_t> wb(V * C);
  quant::f32_to_bf16_n(wb.data(), wf.data(), wb.size());
  cpu::WeightRef W = bf16 ? cpu::WeightRef::from_bf16(wb.data(), V, C) : cpu::WeightRef::from_f32(wf.data(), V, C);
  std::vector<int32_t> tg(T);
  std::uniform_int_distribution<int32_t> pick(0, int32_t(V - 1));
  for (int64_t t = 0; t < T; ++t) tg[t] = t % 5 == 3 ? -1 : pick(rng);
  if (T > 2) g[1] = 0.f;  // a zero gradient row is skipped, as on the CPU
  const cpu::Exec ref{nullptr, cpu::Isa::scalar};
  std::vector<float> logp(T), lse(T), dh_over(T * C), dh_acc = dh0, logits(V);
  Status st = cpu::logsoftmax_gather_forward(logp.data(), lse.data(), hid.data(), W, tg.data(), T, chunk, nullptr, ref);
  if (st.ok())
    st = cpu::logsoftmax_gather_backward(dh_over.data(), g.data(), hid.data(), W, tg.data(), lse.data(), T, chunk,
                                         nullptr, false, ref);
  if (st.ok())
    st = cpu::logsoftmax_gather_backward(dh_acc.data(), g.data(), hid.data(), W, tg.data(), nullptr, T, chunk, nullptr,
                                         true, ref);
  if (st.ok()) st = cpu::logits_row(logits.data(), hid.data() + (T - 1) * C, W, ref);

  vk::Buffer bw, bh = env.upload(hid), bg = env.upload(g), bt = env.upload(tg), bdo = env.upload(dh0), blp, bl, bdh, blg,
                 bscr;
  vk::DeviceWeight dw;
  if (st.ok()) st = env.ctx->alloc(&bw, vk::device_weight_bytes(W));
  if (st.ok()) st = vk::upload_weight(bw, 0, W, &dw);
  for (auto [b, n] : {std::pair{&blp, T}, {&bl, T}, {&bdh, T * C}, {&blg, V},
                      {&bscr, vk::logsoftmax_gather_scratch_floats(T, V, chunk)}})
    if (st.ok()) st = env.ctx->alloc(b, std::max<int64_t>(n, 1) * 4);
  vk::Recorder rec(*env.ctx);
  vk::DMat hm{bh.view(), 0, C};
  if (st.ok())
    st = vk::logsoftmax_gather_forward(*env.ctx, rec, blp.view(), bl.view(), hm, dw, bt.view(), T, chunk, bscr.view());
  if (st.ok())
    st = vk::logsoftmax_gather_backward(*env.ctx, rec, vk::DMat{bdh.view(), 0, C}, bg.view(), hm, dw, bt.view(),
                                        bl.view(), T, chunk, bscr.view(), false);
  if (st.ok())
    st = vk::logsoftmax_gather_backward(*env.ctx, rec, vk::DMat{bdo.view(), 0, C}, bg.view(), hm, dw, bt.view(),
                                        vk::View{}, T, chunk, bscr.view(), true);
  if (st.ok())
    st = vk::logits_row(*env.ctx, rec, vk::DMat{blg.view(), 0, V}, vk::DMat{bh.view(), uint64_t((T - 1) * C), C}, dw);
  if (st.ok()) st = rec.submit();
  double elp = rel_err(env.download<float>(blp, T), logp, T), el = rel_err(env.download<float>(bl, T), lse, T);
  double eo = rel_err(env.download<float>(bdh, T * C), dh_over, T * C);
  double ea = rel_err(env.download<float>(bdo, T * C), dh_acc, T * C);
  double eg = rel_err(env.download<float>(blg, V), logits, V);
  h.check(st.ok() && elp <= kTol && el <= kTol, name + " forward", st.message + " logp " + fmt(elp) + " lse " + fmt(el));
  h.check(st.ok() && eo <= kTol && ea <= kTol, name + " backward",
          st.message + " dh " + fmt(eo) + " dh (lse recomputed, +=) " + fmt(ea));
  h.check(st.ok() && eg <= kTol, name + " logits_row", st.message + " " + fmt(eg));
}

}  // namespace

LATHE_VK_SUITE(head) {
  std::mt19937 rng(1503);
  run_case(h, env, rng, 37, 300, 70, 16, false);
  run_case(h, env, rng, 37, 300, 70, 100, true);
  run_case(h, env, rng, 1, 257, 64, 8, true);
  run_case(h, env, rng, 20, 1000, 33, 7, false);
  std::vector<int32_t> bad = {3, -1, 300, 2};
  Status st = vk::validate_targets(bad.data(), 4, 300);
  h.check(!st.ok() && st.message.find("position 2") != std::string::npos, "vk head target out of range names its position",
          st.message);
}

}  // namespace lathe::test
