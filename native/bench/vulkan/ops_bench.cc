// Vulkan op timings from GPU timestamp queries (npm run bench -> test/bench/vulkan.mjs): one JSON line per op with the
// median of 5 runs and the effective memory bandwidth. On a CPU device (lavapipe) the numbers say nothing about GPU
// speed; the `note` field says so. Usage: vulkan_bench [small]   (small: shapes that finish in seconds on lavapipe)
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "cpu/ops.h"
#include "vulkan/ops.h"

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
