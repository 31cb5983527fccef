// Vulkan op timings from GPU timestamp queries (npm run bench -> test/bench/vulkan.mjs): one JSON line per op with the
// median of 5 runs and the effective memory bandwidth. On a CPU device (lavapipe) the numbers say nothing about GPU
// speed; the `note` field says so. Usage: vulkan_bench [small]   (small: shapes that finish in seconds on lavapipe)
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "cpu/ops.h"
#include "vulkan/ops.h"
#include "vulkan/ops_attention.h"
#include "vulkan/ops_head.h"
#include "vulkan/ops_matmul.h"
#include "quant/nf4.h"

using namespace lathe;

namespace {

struct Case {
  std::string op, shape;
  double bytes;  // bytes read + written once (for GB/s)
  std::function<Status(vk::Recorder&)> record;
};

vk::Buffer filled(vk::Context& ctx, int64_t n, float sd, std::mt19937& rng) {
  std::normal_distribution<float> d(0.f, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  vk::Buffer b;
  if (ctx.alloc(&b, n * 4).ok()) b.upload(v.data(), n * 4);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  const bool small = argc > 1 && std::strcmp(argv[1], "small") == 0;
  vk::Context ctx;
  Status st = ctx.init({.allow_cpu = true});
  if (!st.ok()) {
    std::printf("{\"bench\":\"vulkan\",\"skipped\":\"%s\"}\n", st.message.c_str());
    return 0;
  }
  if (!ctx.caps().timestamps) {
    std::printf("{\"bench\":\"vulkan\",\"skipped\":\"%s has no timestamp queries\"}\n", ctx.device().name.c_str());
    return 0;
  }
  const bool cpu_dev = ctx.device().type == vk::DeviceType::cpu;
  const char* note = cpu_dev ? "CPU Vulkan device (lavapipe): timings say nothing about GPU speed" : "";
  // Llama-3.2-1B-like shapes (T tokens x C hidden, I intermediate); a quarter of T on a CPU device.
  const int64_t T = small ? 128 : 2048, C = 2048, I = 8192, NH = 32, NKV = 8, HD = 64, P = T;
  std::mt19937 rng(1);
  vk::Buffer x = filled(ctx, T * C, 1, rng), y = filled(ctx, T * C, 1, rng), w = filled(ctx, C, 1, rng),
             rstd = filled(ctx, T, 1, rng), dy = filled(ctx, T * C, 1, rng), dw = filled(ctx, C, 1, rng),
             g = filled(ctx, T * I, 1, rng), u = filled(ctx, T * I, 1, rng), h = filled(ctx, T * I, 1, rng),
             dg = filled(ctx, T * I, 1, rng), q = filled(ctx, T * NH * HD, 1, rng), cs = filled(ctx, P * HD / 2, 1, rng),
             sn = filled(ctx, P * HD / 2, 1, rng), m = filled(ctx, T * C, 0.01f, rng), v = filled(ctx, T * C, 0.01f, rng),
             pos, scratch;
  std::vector<int32_t> positions(T);
  for (int64_t t = 0; t < T; ++t) positions[t] = int32_t(t);
  ctx.alloc(&pos, T * 4);
  pos.upload(positions.data(), T * 4);
  (void)NKV;
  const int64_t nTC = T * C, nTI = T * I, nQ = T * NH * HD;
  vk::DBuf grads[1] = {{x.view(), nTC}};
  ctx.alloc(&scratch, vk::grad_norm_scratch_floats(grads, 1) * 4 + 4);
  const std::string tc = "T=" + std::to_string(T) + " C=" + std::to_string(C);
  const std::string ti = "T=" + std::to_string(T) + " I=" + std::to_string(I);
  cpu::AdamW opt;
  std::vector<Case> cases = {
      {"add", tc, 12.0 * nTC, [&](vk::Recorder& r) { return vk::add(ctx, r, y.view(), x.view(), dy.view(), nTC); }},
      {"rmsnorm_fwd", tc, 8.0 * nTC,
       [&](vk::Recorder& r) { return vk::rmsnorm_forward(ctx, r, y.view(), rstd.view(), x.view(), w.view(), T, C, 1e-5f); }},
      {"rmsnorm_bwd", tc, 16.0 * nTC,
       [&](vk::Recorder& r) {
         return vk::rmsnorm_backward(ctx, r, y.view(), dw.view(), dy.view(), x.view(), w.view(), rstd.view(), T, C, false);
       }},
      {"swiglu_fwd", ti, 12.0 * nTI, [&](vk::Recorder& r) { return vk::swiglu_forward(ctx, r, h.view(), g.view(), u.view(), nTI); }},
      {"swiglu_bwd", ti, 20.0 * nTI,
       [&](vk::Recorder& r) { return vk::swiglu_backward(ctx, r, dg.view(), h.view(), dg.view(), g.view(), u.view(), nTI); }},
      {"rope_fwd", "T=" + std::to_string(T) + " NH=32 HD=64", 8.0 * nQ,
       [&](vk::Recorder& r) { return vk::rope_forward(ctx, r, q.view(), q.view(), pos.view(), cs.view(), sn.view(), T, NH, HD, P); }},
      {"adamw", "n=" + std::to_string(nTC), 28.0 * nTC,
       [&](vk::Recorder& r) { return vk::adamw_step(ctx, r, y.view(), m.view(), v.view(), dy.view(), nTC, opt, 1.f); }},
  };
  // --- GEMM / linear layer, attention, output head (ops_matmul/ops_attention/ops_head) ---------------------------
  // q_proj-like NF4 (double-quantized) weight C x C and gate-like NF4 weight I x C with a rank-16 LoRA; GQA attention
  // 32/8 heads of 64; the head with V tokens in chunks of 128 rows. Bytes count each tensor read or written once.
  // On lavapipe (small) the widths shrink 4x (the GEMMs run at well under 1 GFLOP/s there) so the section stays short.
  const int64_t R = 16, V = small ? 2048 : 128256, chunk = 128, CW = small ? C / 4 : C, IW = small ? I / 4 : I;
  std::vector<float> wq_h(CW * CW), wg_h(IW * CW), head_h(V * CW);
  for (auto* hv : {&wq_h, &wg_h, &head_h}) {
    std::normal_distribution<float> nd(0.f, 0.02f);
    for (auto& e : *hv) e = nd(rng);
  }
  quant::Nf4Tensor wq_q, wg_q;
  quant::nf4_quantize(&wq_q, wq_h.data(), nullptr, CW, CW, true);
  quant::nf4_quantize(&wg_q, wg_h.data(), nullptr, IW, CW, true);
  vk::Buffer wq_b, wg_b, head_b;
  vk::DeviceWeight wq, wg, head;
  for (auto [buf, dw, ref] : {std::tuple{&wq_b, &wq, cpu::WeightRef::from_nf4(wq_q.view())},
                              {&wg_b, &wg, cpu::WeightRef::from_nf4(wg_q.view())},
                              {&head_b, &head, cpu::WeightRef::from_f32(head_h.data(), V, CW)}})
    if (ctx.alloc(buf, vk::device_weight_bytes(ref)).ok()) vk::upload_weight(*buf, 0, ref, dw);
  vk::Buffer la = filled(ctx, R * CW, 0.02f, rng), lb = filled(ctx, IW * R, 0.02f, rng), lu = filled(ctx, T * R, 1, rng),
             dla = filled(ctx, R * CW, 1, rng), dlb = filled(ctx, IW * R, 1, rng), mm_scr,
             kk = filled(ctx, T * NKV * HD, 1, rng), vv = filled(ctx, T * NKV * HD, 1, rng), ao = filled(ctx, nQ, 1, rng),
             alse = filled(ctx, NH * T, 1, rng), dq = filled(ctx, nQ, 1, rng), dk = filled(ctx, T * NKV * HD, 1, rng),
             dv = filled(ctx, T * NKV * HD, 1, rng), a_scr, logp = filled(ctx, T, 1, rng), hlse = filled(ctx, T, 1, rng),
             hg = filled(ctx, T, 1, rng), h_scr, tgt;
  vk::DeviceLora lora{{la.view(), 0, CW}, {lb.view(), 0, R}, R, 2.f, 0.1f, 7};
  ctx.alloc(&mm_scr, 4 * std::max(vk::matmul_backward_scratch_floats(T, CW, &lora, true), int64_t(1)));
  const cpu::AttnDims ad{T, T, 0, NH, NKV, HD, 0.125f};
  ctx.alloc(&a_scr, 4 * vk::attention_backward_scratch_floats(ad));
  ctx.alloc(&h_scr, 4 * vk::logsoftmax_gather_scratch_floats(T, V, chunk));
  std::vector<int32_t> targets(T);
  for (int64_t t = 0; t < T; ++t) targets[t] = int32_t((t * 7919) % V);
  ctx.alloc(&tgt, T * 4);
  tgt.upload(targets.data(), T * 4);
  auto dmat = [](const vk::Buffer& b, int64_t ld) { return vk::DMat{b.view(), 0, ld}; };
  const double nf4_cc = CW * CW * 0.53, nf4_ic = IW * CW * 0.53, nTW = T * CW, nTIW = T * IW;
  const std::string tw = "T=" + std::to_string(T) + " C=" + std::to_string(CW), tiw = tw + " I=" + std::to_string(IW);
  const std::string tcv = tw + " V=" + std::to_string(V);
  cases.insert(cases.end(), {
      {"gemm_nt_nf4", tw + " W=CxC", 8.0 * nTW + nf4_cc,
       [&](vk::Recorder& r) { return vk::gemm_nt(ctx, r, dmat(y, CW), dmat(x, CW), wq, T, 1.f, false); }},
      {"matmul_fwd_nf4_lora", tiw + " r=16 dropout", 4.0 * (nTW + nTIW) + nf4_ic,
       [&](vk::Recorder& r) {
         return vk::matmul_forward(ctx, r, dmat(g, IW), dmat(lu, R), dmat(x, CW), wg, {}, &lora, T, dmat(mm_scr, 0));
       }},
      {"matmul_bwd_nf4_lora", tiw + " r=16 dropout", 4.0 * (2 * nTW + nTIW) + nf4_ic,
       [&](vk::Recorder& r) {
         return vk::matmul_backward(ctx, r, dmat(y, CW), dmat(dla, CW), dmat(dlb, R), dmat(g, IW), dmat(x, CW), dmat(lu, R),
                                    wg, &lora, T, false, dmat(mm_scr, 0));
       }},
      {"attention_fwd", "T=" + std::to_string(T) + " NH=32 NKV=8 HD=64", 4.0 * (2 * nQ + 2 * T * NKV * HD),
       [&](vk::Recorder& r) {
         return vk::attention_forward(ctx, r, ao.view(), alse.view(), q.view(), kk.view(), vv.view(), {}, {}, ad);
       }},
      {"attention_bwd", "T=" + std::to_string(T) + " NH=32 NKV=8 HD=64", 4.0 * (5 * nQ + 4 * T * NKV * HD),
       [&](vk::Recorder& r) {
         return vk::attention_backward(ctx, r, dq.view(), dk.view(), dv.view(), ao.view(), ao.view(), alse.view(),
                                       q.view(), kk.view(), vv.view(), {}, {}, ad, a_scr.view());
       }},
      {"logsoftmax_fwd", tcv, 4.0 * (nTW + V * CW),
       [&](vk::Recorder& r) {
         return vk::logsoftmax_gather_forward(ctx, r, logp.view(), hlse.view(), dmat(x, CW), head, tgt.view(), T, chunk,
                                              h_scr.view());
       }},
      {"logsoftmax_bwd", tcv, 4.0 * (2 * nTW + 2 * V * CW),
       [&](vk::Recorder& r) {
         return vk::logsoftmax_gather_backward(ctx, r, dmat(dy, CW), hg.view(), dmat(x, CW), head, tgt.view(), hlse.view(),
                                               T, chunk, h_scr.view(), false);
       }},
  });
  for (auto& c : cases) {
    std::vector<double> ms;
    for (int rep = 0; rep < 5; ++rep) {
      vk::Recorder rec(ctx);
      rec.timestamp("start");
      st = c.record(rec);
      rec.timestamp(c.op);
      if (st.ok()) st = rec.submit();
      if (!st.ok()) break;
      ms.push_back(rec.timings().at(0).second);
    }
    if (!st.ok()) {
      std::printf("{\"bench\":\"vulkan\",\"op\":\"%s\",\"error\":\"%s\"}\n", c.op.c_str(), st.message.c_str());
      return 1;
    }
    std::sort(ms.begin(), ms.end());
    const double med = ms[ms.size() / 2];
    std::printf("{\"bench\":\"vulkan\",\"device\":\"%s\",\"op\":\"%s\",\"shape\":\"%s\",\"ms\":%.4f,\"GBps\":%.2f,"
                "\"note\":\"%s\"}\n",
                ctx.device().name.c_str(), c.op.c_str(), c.shape.c_str(), med, c.bytes / (med * 1e-3) / 1e9, note);
  }
  return 0;
}
