// Vulkan ops (vulkan/ops.h) against the CPU scalar reference (Exec{.isa = Isa::scalar}): elementwise, SwiGLU,
// RMSNorm, RoPE, embedding, AdamW and the gradient norm, forward and backward, at odd sizes (not multiples of the
// 256-wide workgroups). Each check states its tolerance: rel_err = max|vk - cpu| / max|cpu| (harness.h).
#include <cstring>
#include <random>

#include "cpu/ops.h"
#include "quant/bf16.h"
#include "vulkan/ops.h"
#include "vulkan_harness.h"

namespace lathe::test {

namespace {
const cpu::Exec kRef{nullptr, cpu::Isa::scalar};

// PASS when rel_err(got, want) <= tol; the detail line carries the error so a failure says by how much.
void close(Harness& h, const std::string& name, const std::vector<float>& got, const std::vector<float>& want,
           double tol) {
  const double e = got.size() == want.size() ? rel_err(got, want, want.size()) : INFINITY;
  h.check(e <= tol, name + " (tol " + fmt(tol) + ")", "rel_err " + fmt(e));
}

// Runs what `record` recorded and reports a failed submit as a failed check.
template <class F>
bool run(Harness& h, vk::Context& ctx, const std::string& name, F&& record) {
  vk::Recorder rec(ctx);
  Status st = record(rec);
  if (st.ok()) st = rec.submit();
  if (!st.ok()) h.check(false, name, st.message);
  return st.ok();
}
}  // namespace

LATHE_VK_SUITE(elementwise) {
  vk::Context& ctx = *env.ctx;
  std::mt19937 rng(11);
  for (int64_t n : {1, 7, 1000, 65537}) {
    const std::string sz = " n=" + std::to_string(n);
    auto a = randn(rng, n), b = randn(rng, n), g = randn(rng, n, 3.f), u = randn(rng, n), dh = randn(rng, n);
    vk::Buffer da = env.upload(a), db = env.upload(b), dy = env.upload(std::vector<float>(n)), dg = env.upload(g),
               du = env.upload(u), ddh = env.upload(dh), o1 = env.upload(std::vector<float>(n)),
               o2 = env.upload(std::vector<float>(n));
    std::vector<float> want(n), want2(n);
    // add, then add_inplace, then scale, recorded in one submit: each reads the previous result.
    if (run(h, ctx, "vk add/add_inplace/scale" + sz, [&](vk::Recorder& rec) {
          LATHE_RETURN_IF_ERROR(vk::add(ctx, rec, dy.view(), da.view(), db.view(), n));
          LATHE_RETURN_IF_ERROR(vk::add_inplace(ctx, rec, dy.view(), da.view(), n));
          return vk::scale(ctx, rec, dy.view(), 0.37f, n);
        })) {
      cpu::add(want.data(), a.data(), b.data(), n, kRef);
      cpu::add_inplace(want.data(), a.data(), n, kRef);
      cpu::scale(want.data(), 0.37f, n, kRef);
      close(h, "vk add/add_inplace/scale" + sz, env.download<float>(dy, n), want, 0);
    }
    if (run(h, ctx, "vk fill" + sz, [&](vk::Recorder& rec) { return vk::fill(ctx, rec, dy.view(), -2.5f, n); }))
      close(h, "vk fill" + sz, env.download<float>(dy, n), std::vector<float>(n, -2.5f), 0);
    if (run(h, ctx, "vk swiglu fwd" + sz, [&](vk::Recorder& rec) {
          return vk::swiglu_forward(ctx, rec, o1.view(), dg.view(), du.view(), n);
        })) {
      cpu::swiglu_forward(want.data(), g.data(), u.data(), n, kRef);
      close(h, "vk swiglu fwd" + sz, env.download<float>(o1, n), want, 2e-6);
    }
    if (run(h, ctx, "vk swiglu bwd" + sz, [&](vk::Recorder& rec) {
          return vk::swiglu_backward(ctx, rec, o1.view(), o2.view(), ddh.view(), dg.view(), du.view(), n);
        })) {
      cpu::swiglu_backward(want.data(), want2.data(), dh.data(), g.data(), u.data(), n, kRef);
      close(h, "vk swiglu bwd dg" + sz, env.download<float>(o1, n), want, 2e-6);
      close(h, "vk swiglu bwd du" + sz, env.download<float>(o2, n), want2, 2e-6);
    }
  }
  // A view too small for n is an error naming the op, not a device fault.
  vk::Buffer small = env.upload(std::vector<float>(8));
  vk::Recorder rec(ctx);
  Status st = vk::add(ctx, rec, small.view(), small.view(), small.view(), 9);
  h.check(!st.ok() && st.message.find("vk::add") != std::string::npos, "vk add rejects a short view", st.message);
}

LATHE_VK_SUITE(rmsnorm) {
  vk::Context& ctx = *env.ctx;
  std::mt19937 rng(12);
  struct Shape { int64_t N, C; };
  for (Shape s : {Shape{1, 1}, Shape{3, 7}, Shape{37, 129}, Shape{5, 1000}, Shape{300, 64}}) {
    const int64_t N = s.N, C = s.C, NC = N * C;
    const std::string sz = " N=" + std::to_string(N) + " C=" + std::to_string(C);
    auto x = randn(rng, NC), w = randn(rng, C), dy = randn(rng, NC), dx0 = randn(rng, NC), dw0 = randn(rng, C);
    std::vector<float> y(NC), rstd(N);
    cpu::rmsnorm_forward(y.data(), rstd.data(), x.data(), w.data(), N, C, 1e-5f, kRef);
    vk::Buffer dX = env.upload(x), dW = env.upload(w), dY = env.upload(std::vector<float>(NC)),
               dR = env.upload(std::vector<float>(N)), dDY = env.upload(dy), dDX = env.upload(dx0), dDW = env.upload(dw0),
               dY2 = env.upload(std::vector<float>(NC));
    if (run(h, ctx, "vk rmsnorm fwd" + sz, [&](vk::Recorder& rec) {
          LATHE_RETURN_IF_ERROR(vk::rmsnorm_forward(ctx, rec, dY.view(), dR.view(), dX.view(), dW.view(), N, C, 1e-5f));
          return vk::rmsnorm_forward(ctx, rec, dY2.view(), vk::View{}, dX.view(), dW.view(), N, C, 1e-5f);
        })) {
      close(h, "vk rmsnorm fwd y" + sz, env.download<float>(dY, NC), y, 1e-5);
      close(h, "vk rmsnorm fwd rstd" + sz, env.download<float>(dR, N), rstd, 1e-5);
      close(h, "vk rmsnorm fwd without rstd" + sz, env.download<float>(dY2, NC), y, 1e-5);
    }
    for (bool acc : {false, true}) {
      // Both sides start from the same dx/dw and use the CPU's rstd, so only the backward is compared.
      std::vector<float> dx = dx0, dw = dw0;
      cpu::rmsnorm_backward(dx.data(), dw.data(), dy.data(), x.data(), w.data(), rstd.data(), N, C, acc, kRef);
      dDX.upload(dx0.data(), NC * 4);
      dDW.upload(dw0.data(), C * 4);
      dR.upload(rstd.data(), N * 4);
      const std::string name = std::string("vk rmsnorm bwd") + (acc ? " accumulate" : "") + sz;
      if (run(h, ctx, name, [&](vk::Recorder& rec) {
            return vk::rmsnorm_backward(ctx, rec, dDX.view(), dDW.view(), dDY.view(), dX.view(), dW.view(), dR.view(), N,
                                        C, acc);
          })) {
        close(h, name + " dx", env.download<float>(dDX, NC), dx, 1e-5);
        close(h, name + " dw", env.download<float>(dDW, C), dw, 1e-5);
      }
    }
  }
}

LATHE_VK_SUITE(rope) {
  vk::Context& ctx = *env.ctx;
  std::mt19937 rng(13);
  cpu::RopeScaling llama3{cpu::RopeScaling::Kind::llama3, 8.f, 1.f, 4.f, 8192.f};
  struct Shape { int64_t T, NHX, HD; };
  for (Shape s : {Shape{5, 3, 64}, Shape{17, 4, 80}, Shape{3, 2, 128}, Shape{300, 1, 6}}) {
    const int64_t T = s.T, NHX = s.NHX, HD = s.HD, P = 600, n = T * NHX * HD;
    const std::string sz = " T=" + std::to_string(T) + " NHX=" + std::to_string(NHX) + " HD=" + std::to_string(HD);
    std::vector<float> inv(HD / 2), cos_t(P * HD / 2), sin_t(P * HD / 2);
    cpu::rope_inv_freq(inv.data(), HD, 500000.f, HD == 64 ? llama3 : cpu::RopeScaling{});
    cpu::rope_table(cos_t.data(), sin_t.data(), inv.data(), HD, P);
    // Packed rows: positions restart at document boundaries.
    std::vector<int32_t> pos(T);
    std::uniform_int_distribution<int> restart(0, 6), far(0, int(P) - 1);
    for (int64_t t = 0; t < T; ++t) pos[t] = t == 0 ? far(rng) % 50 : (restart(rng) == 0 ? 0 : std::min<int>(pos[t - 1] + 1, int(P) - 1));
    pos[T - 1] = int(P) - 1;
    h.check(vk::check_positions(pos.data(), T, P).ok(), "vk rope positions valid" + sz);
    auto x = randn(rng, n);
    std::vector<float> y(n), dx(n);
    cpu::rope_forward(y.data(), x.data(), pos.data(), cos_t.data(), sin_t.data(), T, NHX, HD, P, kRef);
    cpu::rope_backward(dx.data(), x.data(), pos.data(), cos_t.data(), sin_t.data(), T, NHX, HD, P, kRef);
    vk::Buffer dX = env.upload(x), dP = env.upload(pos), dC = env.upload(cos_t), dS = env.upload(sin_t),
               dY = env.upload(std::vector<float>(n)), dIn = env.upload(x);
    if (run(h, ctx, "vk rope" + sz, [&](vk::Recorder& rec) {
          LATHE_RETURN_IF_ERROR(vk::rope_forward(ctx, rec, dY.view(), dX.view(), dP.view(), dC.view(), dS.view(), T, NHX, HD, P));
          return vk::rope_backward(ctx, rec, dIn.view(), dIn.view(), dP.view(), dC.view(), dS.view(), T, NHX, HD, P);
        })) {
      close(h, "vk rope fwd" + sz, env.download<float>(dY, n), y, 1e-6);
      close(h, "vk rope bwd in place" + sz, env.download<float>(dIn, n), dx, 1e-6);
    }
  }
  std::vector<int32_t> bad{0, 1, 9};
  Status st = vk::check_positions(bad.data(), 3, 9);
  h.check(!st.ok() && st.message.find("row 2") != std::string::npos, "vk rope bad position named", st.message);
}

LATHE_VK_SUITE(embedding) {
  vk::Context& ctx = *env.ctx;
  std::mt19937 rng(14);
  for (int64_t C : {1, 7, 130}) {
    const int64_t V = 37, T = 301;
    const std::string sz = " C=" + std::to_string(C);
    auto table = randn(rng, V * C), dout = randn(rng, T * C);
    std::vector<uint16_t> tb(V * C);
    quant::f32_to_bf16_n(tb.data(), table.data(), V * C);
    std::vector<int32_t> ids(T);
    std::uniform_int_distribution<int> pick(0, int(V) - 1);
    for (auto& id : ids) id = pick(rng);  // many repeats: the backward must add them all
    h.check(vk::check_ids(ids.data(), T, V).ok(), "vk embedding ids valid" + sz);
    std::vector<uint16_t> tb_padded(tb);
    tb_padded.resize((tb.size() + 1) / 2 * 2);
    vk::Buffer dT = env.upload(table), dTb = env.upload(tb_padded), dI = env.upload(ids),
               dO = env.upload(std::vector<float>(T * C)), dO2 = env.upload(std::vector<float>(T * C)),
               dD = env.upload(dout), dG = env.upload(table);
    std::vector<float> want(T * C), want_b(T * C), grad = table;
    cpu::embedding_forward(want.data(), ids.data(), cpu::WeightRef::from_f32(table.data(), V, C), T, kRef);
    cpu::embedding_forward(want_b.data(), ids.data(), cpu::WeightRef::from_bf16(tb.data(), V, C), T, kRef);
    cpu::embedding_backward(grad.data(), dout.data(), ids.data(), T, V, C);
    if (run(h, ctx, "vk embedding" + sz, [&](vk::Recorder& rec) {
          LATHE_RETURN_IF_ERROR(vk::embedding_forward(ctx, rec, dO.view(), dI.view(), dT.view(), DType::f32, T, V, C));
          LATHE_RETURN_IF_ERROR(vk::embedding_forward(ctx, rec, dO2.view(), dI.view(), dTb.view(), DType::bf16, T, V, C));
          return vk::embedding_backward(ctx, rec, dG.view(), dD.view(), dI.view(), T, V, C);
        })) {
      close(h, "vk embedding fwd f32" + sz, env.download<float>(dO, T * C), want, 0);
      close(h, "vk embedding fwd bf16" + sz, env.download<float>(dO2, T * C), want_b, 0);
      close(h, "vk embedding bwd (token order, exact)" + sz, env.download<float>(dG, V * C), grad, 0);
    }
  }
  std::vector<int32_t> bad{3, -1};
  Status st = vk::check_ids(bad.data(), 2, 10);
  h.check(!st.ok() && st.message.find("position 1") != std::string::npos, "vk embedding bad id named", st.message);
}

LATHE_VK_SUITE(optim) {
  vk::Context& ctx = *env.ctx;
  std::mt19937 rng(15);
  for (int64_t n : {1, 333, 70001}) {
    const std::string sz = " n=" + std::to_string(n);
    auto p = randn(rng, n), m = randn(rng, n, 0.01f), v = randn(rng, n, 0.01f);
    for (auto& x : v) x = x * x;
    vk::Buffer dP = env.upload(p), dM = env.upload(m), dV = env.upload(v), dG = env.upload(std::vector<float>(n));
    cpu::AdamW opt{1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 1};
    bool ok = true;
    for (int step = 1; step <= 3 && ok; ++step) {
      auto g = randn(rng, n);
      dG.upload(g.data(), n * 4);
      opt.step = step;
      cpu::adamw_step(p.data(), m.data(), v.data(), g.data(), n, opt, 0.5f, kRef);
      ok = run(h, ctx, "vk adamw" + sz, [&](vk::Recorder& rec) {
        return vk::adamw_step(ctx, rec, dP.view(), dM.view(), dV.view(), dG.view(), n, opt, 0.5f);
      });
    }
    if (!ok) continue;
    close(h, "vk adamw 3 steps param" + sz, env.download<float>(dP, n), p, 1e-6);
    close(h, "vk adamw 3 steps m" + sz, env.download<float>(dM, n), m, 1e-6);
    close(h, "vk adamw 3 steps v" + sz, env.download<float>(dV, n), v, 1e-6);
  }
  // Gradient norm over buffers of odd sizes, one of them more than one 4096-value chunk, against cpu::grad_norm.
  std::vector<std::vector<float>> bufs{randn(rng, 1), randn(rng, 4097, 3.f), randn(rng, 100000, 0.01f)};
  std::vector<vk::Buffer> dev;
  std::vector<BufView> host;
  std::vector<vk::DBuf> views;
  for (auto& b : bufs) {
    dev.push_back(env.upload(b));
    host.push_back(BufView{b.data(), int64_t(b.size())});
  }
  for (size_t i = 0; i < bufs.size(); ++i) views.push_back(vk::DBuf{dev[i].view(), int64_t(bufs[i].size())});
  vk::Buffer scratch;
  ctx.alloc(&scratch, vk::grad_norm_scratch_floats(views.data(), int64_t(views.size())) * 4);
  const double want = cpu::grad_norm(host.data(), int64_t(host.size()), kRef);
  double got = 0;
  vk::Recorder rec(ctx);
  Status st = vk::grad_norm(ctx, rec, views.data(), int64_t(views.size()), scratch.view(), &got);
  h.check(st.ok() && std::fabs(got - want) <= 1e-6 * want, "vk grad_norm (tol 1e-6)",
          "vk " + fmt(got) + " cpu " + fmt(want) + " " + st.message);
  // NaN propagates so the trainer can skip the step.
  bufs[1][4096] = NAN;
  dev[1].upload(bufs[1].data(), bufs[1].size() * 4);
  st = vk::grad_norm(ctx, rec, views.data(), int64_t(views.size()), scratch.view(), &got);
  h.check(st.ok() && std::isnan(got), "vk grad_norm propagates NaN", fmt(got));
}

// Tensors larger than one binding (maxStorageBufferRange) run as several dispatches over aligned slices. A context
// whose binding limit is lowered to 64 KiB makes every op here slice (2-3 slices) at test sizes.
LATHE_VK_SUITE(slicing) {
  vk::Context ctx;
  Status st = ctx.init({.max_binding_bytes = 64 * 1024});
  h.check(st.ok(), "vk slicing context", st.message);
  if (!st.ok()) return;
  VkEnv e{&ctx};
  std::mt19937 rng(16);
  const int64_t n = 40000;  // 160 KB: 3 slices of at most 16384 floats
  auto a = randn(rng, n), b = randn(rng, n), g = randn(rng, n), u = randn(rng, n);
  vk::Buffer da = e.upload(a), db = e.upload(b), dy = e.upload(std::vector<float>(n)), dg = e.upload(g),
             du = e.upload(u), dh = e.upload(std::vector<float>(n));
  std::vector<float> want(n), hw(n);
  cpu::add(want.data(), a.data(), b.data(), n, kRef);
  cpu::add_inplace(want.data(), a.data(), n, kRef);
  cpu::scale(want.data(), 1.5f, n, kRef);
  cpu::swiglu_forward(hw.data(), g.data(), u.data(), n, kRef);
  if (run(h, ctx, "vk sliced elementwise", [&](vk::Recorder& rec) {
        LATHE_RETURN_IF_ERROR(vk::add(ctx, rec, dy.view(), da.view(), db.view(), n));
        LATHE_RETURN_IF_ERROR(vk::add_inplace(ctx, rec, dy.view(), da.view(), n));
        LATHE_RETURN_IF_ERROR(vk::scale(ctx, rec, dy.view(), 1.5f, n));
        return vk::swiglu_forward(ctx, rec, dh.view(), dg.view(), du.view(), n);
      })) {
    close(h, "vk sliced add/add_inplace/scale", e.download<float>(dy, n), want, 0);
    close(h, "vk sliced swiglu fwd", e.download<float>(dh, n), hw, 2e-6);
  }
  // AdamW over the same 3 slices.
  auto p = randn(rng, n), m = std::vector<float>(n, 0.f), v = std::vector<float>(n, 0.f);
  vk::Buffer dp = e.upload(p), dm = e.upload(m), dv = e.upload(v);
  cpu::AdamW opt{1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, 1};
  cpu::adamw_step(p.data(), m.data(), v.data(), g.data(), n, opt, 1.f, kRef);
  if (run(h, ctx, "vk sliced adamw", [&](vk::Recorder& rec) {
        return vk::adamw_step(ctx, rec, dp.view(), dm.view(), dv.view(), dg.view(), n, opt, 1.f);
      }))
    close(h, "vk sliced adamw param", e.download<float>(dp, n), p, 1e-6);
  // RMSNorm: 300 rows of 100 -> 128-row slices; dw accumulates over the slices.
  const int64_t N = 300, C = 100;
  auto x = randn(rng, N * C), w = randn(rng, C), ddy = randn(rng, N * C);
  std::vector<float> y(N * C), rstd(N), dx(N * C), dw(C, 0.f);
  cpu::rmsnorm_forward(y.data(), rstd.data(), x.data(), w.data(), N, C, 1e-6f, kRef);
  cpu::rmsnorm_backward(dx.data(), dw.data(), ddy.data(), x.data(), w.data(), rstd.data(), N, C, false, kRef);
  vk::Buffer dX = e.upload(x), dW = e.upload(w), dY = e.upload(std::vector<float>(N * C)),
             dR = e.upload(std::vector<float>(N)), dDY = e.upload(ddy), dDX = e.upload(std::vector<float>(N * C)),
             dDW = e.upload(std::vector<float>(C));
  if (run(h, ctx, "vk sliced rmsnorm", [&](vk::Recorder& rec) {
        LATHE_RETURN_IF_ERROR(vk::rmsnorm_forward(ctx, rec, dY.view(), dR.view(), dX.view(), dW.view(), N, C, 1e-6f));
        return vk::rmsnorm_backward(ctx, rec, dDX.view(), dDW.view(), dDY.view(), dX.view(), dW.view(), dR.view(), N, C,
                                    false);
      })) {
    close(h, "vk sliced rmsnorm fwd", e.download<float>(dY, N * C), y, 1e-5);
    close(h, "vk sliced rmsnorm rstd", e.download<float>(dR, N), rstd, 1e-5);
    close(h, "vk sliced rmsnorm bwd dx", e.download<float>(dDX, N * C), dx, 1e-4);
    close(h, "vk sliced rmsnorm bwd dw", e.download<float>(dDW, C), dw, 1e-5);
  }
  // RoPE: 300 tokens x 2 heads x 64 -> 128-token slices.
  const int64_t T = 300, NHX = 2, HD = 64, P = 512;
  std::vector<float> inv(HD / 2), cs(P * HD / 2), sn(P * HD / 2);
  cpu::rope_inv_freq(inv.data(), HD, 10000.f, cpu::RopeScaling{});
  cpu::rope_table(cs.data(), sn.data(), inv.data(), HD, P);
  std::vector<int32_t> pos(T);
  for (int64_t t = 0; t < T; ++t) pos[t] = int32_t((t * 7) % P);
  auto q = randn(rng, T * NHX * HD);
  std::vector<float> qr(q.size());
  cpu::rope_forward(qr.data(), q.data(), pos.data(), cs.data(), sn.data(), T, NHX, HD, P, kRef);
  vk::Buffer dq = e.upload(q), dpos = e.upload(pos), dcs = e.upload(cs), dsn = e.upload(sn);
  if (run(h, ctx, "vk sliced rope", [&](vk::Recorder& rec) {
        return vk::rope_forward(ctx, rec, dq.view(), dq.view(), dpos.view(), dcs.view(), dsn.view(), T, NHX, HD, P);
      }))
    close(h, "vk sliced rope fwd", e.download<float>(dq, q.size()), qr, 1e-6);
}

}  // namespace lathe::test
