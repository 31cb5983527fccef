// Gradient tests: each backward (f32, fast path, 2 threads) vs central finite differences of the double-precision
// reference forward, loss = sum(r * f(x)) with a random r. Tolerance: max|analytic - fd| <= 1e-4 * max|fd|.
#include "cpu/ops.h"
#include "harness.h"
#include "quant/nf4.h"
#include "ref.h"

namespace lathe::test {

using namespace lathe::cpu;
using ref::V;

namespace {
constexpr double kTol = 1e-4;
}  // namespace

void run_grad_tests(Harness& h) {
  std::mt19937 rng(5);
  ThreadPool pool(2);
  Exec ex{&pool, best_isa()};

  // matmul with LoRA (f32 and NF4 bases, with and without dropout): dx, dA, dB; never a base-weight gradient.
  for (int q = 0; q < 2; ++q)
    for (float p : {0.f, 0.25f}) {
      int64_t T = 5, IN = 64, OUT = 24, R = 3;
      auto Wf = randn(rng, OUT * IN, 0.3f);
      quant::Nf4Tensor nf;
      quant::nf4_quantize(&nf, Wf.data(), nullptr, OUT, IN, true);
      WeightRef w = q ? WeightRef::from_nf4(nf.view()) : WeightRef::from_f32(Wf.data(), OUT, IN);
      std::vector<float> dense(OUT * IN);
      for (int64_t r = 0; r < OUT; ++r) weight_row(dense.data() + r * IN, w, r, 0, IN);
      auto x = randn(rng, T * IN), A = randn(rng, R * IN, 0.2f), B = randn(rng, OUT * R, 0.2f), rr = randn(rng, T * OUT);
      const float s = 0.7f;
      const uint64_t seed = 77;
      V xd = to_d(x), Ad = to_d(A), Bd = to_d(B);
      auto loss = [&]() {
        double L = 0;
        for (int64_t t = 0; t < T; ++t) {
          V u(R, 0.0);
          for (int64_t r = 0; r < R; ++r)
            for (int64_t i = 0; i < IN; ++i)
              u[r] += (lora_keep(seed, t * IN + i, p) ? xd[t * IN + i] / (1.0 - p) : 0.0) * Ad[r * IN + i];
          for (int64_t o = 0; o < OUT; ++o) {
            double y = 0;
            for (int64_t i = 0; i < IN; ++i) y += xd[t * IN + i] * dense[o * IN + i];
            for (int64_t r = 0; r < R; ++r) y += s * u[r] * Bd[o * R + r];
            L += rr[t * OUT + o] * y;
          }
        }
        return L;
      };
      auto gx = fd_grad(xd, loss), gA = fd_grad(Ad, loss), gB = fd_grad(Bd, loss);
      LoraRef l{A.data(), B.data(), R, s, p, seed};
      std::vector<float> y(T * OUT), u(T * R), dx(T * IN, 0.f), dA(R * IN, 0.f), dB(OUT * R, 0.f);
      matmul_forward(y.data(), u.data(), x.data(), w, nullptr, &l, T, ex);
      Status st = matmul_backward(dx.data(), dA.data(), dB.data(), rr.data(), x.data(), u.data(), w, &l, T, false, ex);
      std::string nm = std::string("matmul_backward ") + (q ? "nf4" : "f32") + " p=" + fmt(p);
      h.check(st.ok() && rel_err(dx, gx, dx.size()) < kTol, nm + " dx vs FD", fmt(rel_err(dx, gx, dx.size())));
      h.check(rel_err(dA, gA, dA.size()) < kTol, nm + " dA vs FD", fmt(rel_err(dA, gA, dA.size())));
      h.check(rel_err(dB, gB, dB.size()) < kTol, nm + " dB vs FD", fmt(rel_err(dB, gB, dB.size())));
      // accumulate semantics: a second call adds the same amounts
      std::vector<float> dx2 = dx, dA2 = dA, dB2 = dB;
      matmul_backward(dx2.data(), dA2.data(), dB2.data(), rr.data(), x.data(), nullptr, w, &l, T, true, ex);
      bool acc = true;
      for (size_t i = 0; i < dx.size(); ++i) acc &= std::fabs(dx2[i] - 2 * dx[i]) <= 1e-5f * (1 + std::fabs(dx[i]));
      for (size_t i = 0; i < dA.size(); ++i) acc &= std::fabs(dA2[i] - 2 * dA[i]) <= 1e-5f * (1 + std::fabs(dA[i]));
      h.check(acc, nm + " accumulates dx/dA/dB (recomputed lora_u)");
    }
  {  // rmsnorm dx, dw
    int64_t N = 4, C = 16;
    auto x = randn(rng, N * C), w = randn(rng, C), rr = randn(rng, N * C);
    V xd = to_d(x), wd = to_d(w);
    auto loss = [&]() { return ref::dot(ref::rmsnorm(xd, wd, N, C, 1e-5), rr); };
    auto gx = fd_grad(xd, loss), gw = fd_grad(wd, loss);
    std::vector<float> y(N * C), rs(N), dx(N * C), dw(C, 0.f);
    rmsnorm_forward(y.data(), rs.data(), x.data(), w.data(), N, C, 1e-5f, ex);
    rmsnorm_backward(dx.data(), dw.data(), rr.data(), x.data(), w.data(), rs.data(), N, C, false, ex);
    h.check(rel_err(dx, gx, dx.size()) < kTol, "rmsnorm_backward dx vs FD", fmt(rel_err(dx, gx, dx.size())));
    h.check(rel_err(dw, gw, dw.size()) < kTol, "rmsnorm_backward dw vs FD", fmt(rel_err(dw, gw, dw.size())));
  }
  {  // rope dx
    int64_t T = 4, NHX = 2, HD = 8, P = 16;
    std::vector<float> inv(HD / 2), cs(P * HD / 2), sn(P * HD / 2);
    rope_inv_freq(inv.data(), HD, 10000.f, RopeScaling{});
    rope_table(cs.data(), sn.data(), inv.data(), HD, P);
    std::vector<int32_t> pos = {3, 0, 15, 9};
    auto x = randn(rng, T * NHX * HD), rr = randn(rng, T * NHX * HD);
    V xd = to_d(x);
    auto gx = fd_grad(xd, [&]() { return ref::dot(ref::rope(xd, pos, inv, T, NHX, HD), rr); });
    std::vector<float> dx(x.size());
    rope_backward(dx.data(), rr.data(), pos.data(), cs.data(), sn.data(), T, NHX, HD, P, ex);
    h.check(rel_err(dx, gx, dx.size()) < kTol, "rope_backward vs FD", fmt(rel_err(dx, gx, dx.size())));
  }
  // attention dq, dk, dv: plain causal GQA, with segments, and with a KV-cache offset
  for (int mode = 0; mode < 3; ++mode) {
    int64_t T = 6, NH = 4, NKV = 2, HD = mode == 2 ? 20 : 4, S = mode == 2 ? 9 : T, p0 = mode == 2 ? 3 : 0;
    double scale = 0.5;
    auto q = randn(rng, T * NH * HD), k = randn(rng, S * NKV * HD), v = randn(rng, S * NKV * HD), rr = randn(rng, T * NH * HD);
    std::vector<int32_t> seg = {0, 0, 1, 1, 1, 2};
    const int32_t* sg = mode == 1 ? seg.data() : nullptr;
    V qd = to_d(q), kd = to_d(k), vd = to_d(v);
    auto loss = [&]() { return ref::dot(ref::attention(qd, kd, vd, sg, sg, T, S, p0, NH, NKV, HD, scale), rr); };
    auto gq = fd_grad(qd, loss), gk = fd_grad(kd, loss), gv = fd_grad(vd, loss);
    AttnDims d{T, S, p0, NH, NKV, HD, float(scale)};
    for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
      if (isa > best_isa()) continue;
      Exec ei{&pool, isa};
      std::vector<float> out(q.size()), lse(NH * T), dq(q.size()), dk(k.size()), dv(v.size());
      attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), sg, sg, d, ei);
      Status st = attention_backward(dq.data(), dk.data(), dv.data(), rr.data(), out.data(), lse.data(), q.data(),
                                     k.data(), v.data(), sg, sg, d, ei);
      std::string nm = std::string("attention_backward ") +
                       (mode == 0 ? "causal GQA" : mode == 1 ? "segments" : "kv offset") + " " + isa_name(isa);
      h.check(st.ok() && rel_err(dq, gq, dq.size()) < kTol, nm + " dq vs FD", fmt(rel_err(dq, gq, dq.size())));
      h.check(rel_err(dk, gk, dk.size()) < kTol, nm + " dk vs FD", fmt(rel_err(dk, gk, dk.size())));
      h.check(rel_err(dv, gv, dv.size()) < kTol, nm + " dv vs FD", fmt(rel_err(dv, gv, dv.size())));
    }
  }
  // Long sequences (several 64-row query blocks): backward vs FD on a sample of entries, forward vs double.
  for (int seg_on = 0; seg_on < 2; ++seg_on) {
    int64_t T = 150, NH = 2, NKV = 1, HD = 4, S = T + 10, p0 = 10;  // KV offset 10 on top
    double scale = 0.5;
    auto q = randn(rng, T * NH * HD), k = randn(rng, S * NKV * HD), v = randn(rng, S * NKV * HD), rr = randn(rng, T * NH * HD);
    std::vector<int32_t> sq(T), sk(S);
    for (int64_t s = 0; s < S; ++s) sk[s] = int32_t(s / 37);
    for (int64_t t = 0; t < T; ++t) sq[t] = sk[t + p0];
    const int32_t* a = seg_on ? sq.data() : nullptr;
    const int32_t* b = seg_on ? sk.data() : nullptr;
    V qd = to_d(q), kd = to_d(k), vd = to_d(v);
    auto loss = [&]() { return ref::dot(ref::attention(qd, kd, vd, a, b, T, S, p0, NH, NKV, HD, scale), rr); };
    AttnDims d{T, S, p0, NH, NKV, HD, float(scale)};
    std::vector<float> out(q.size()), lse(NH * T), dq(q.size()), dk(k.size()), dv(v.size());
    attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), a, b, d, ex);
    auto oref = ref::attention(qd, kd, vd, a, b, T, S, p0, NH, NKV, HD, scale);
    attention_backward(dq.data(), dk.data(), dv.data(), rr.data(), out.data(), lse.data(), q.data(), k.data(), v.data(),
                       a, b, d, ex);
    double worst = 0, gmax = 0;
    std::uniform_int_distribution<int64_t> pick(0, int64_t(k.size()) - 1);
    for (int rep = 0; rep < 24; ++rep) {
      for (int which = 0; which < 3; ++which) {
        V& x = which == 0 ? qd : which == 1 ? kd : vd;
        const std::vector<float>& g = which == 0 ? dq : which == 1 ? dk : dv;
        int64_t i = pick(rng) % int64_t(x.size());
        double sv = x[i];
        x[i] = sv + 1e-6;
        double lp = loss();
        x[i] = sv - 1e-6;
        double lm = loss();
        x[i] = sv;
        double fd = (lp - lm) / 2e-6;
        worst = std::max(worst, std::fabs(fd - g[i]));
        gmax = std::max(gmax, std::fabs(fd));
      }
    }
    h.check(rel_err(out, oref, out.size()) < 1e-5 && worst <= kTol * std::max(gmax, 1.0),
            std::string("attention T=150 (3 query blocks, kv offset") + (seg_on ? ", segments)" : ")") +
                " forward vs double, backward vs sampled FD",
            "fwd " + fmt(rel_err(out, oref, out.size())) + " bwd abs " + fmt(worst));
  }
  {  // swiglu
    auto g = randn(rng, 50, 2.f), u = randn(rng, 50), rr = randn(rng, 50);
    V gd = to_d(g), ud = to_d(u);
    auto loss = [&]() { return ref::dot(ref::swiglu(gd, ud), rr); };
    auto gg = fd_grad(gd, loss), gu = fd_grad(ud, loss);
    std::vector<float> dg(50), du(50);
    swiglu_backward(dg.data(), du.data(), rr.data(), g.data(), u.data(), 50, ex);
    h.check(rel_err(dg, gg, 50) < kTol && rel_err(du, gu, 50) < kTol, "swiglu_backward vs FD",
            fmt(rel_err(dg, gg, 50)) + " " + fmt(rel_err(du, gu, 50)));
  }
  // log-softmax gather dh (chunked, with an ignored target), seeds g
  for (int64_t chunk : {2, 7}) {
    int64_t T = 7, Vn = 40, C = 12;
    auto hs = randn(rng, T * C), W = randn(rng, Vn * C, 0.5f), g = randn(rng, T);
    std::vector<int32_t> tg = {1, 39, -1, 5, 5, 0, 20};
    V hd = to_d(hs);
    V Wd = to_d(W);
    auto gh = fd_grad(hd, [&]() { return ref::dot(ref::logsoftmax_gather(hd, Wd, tg, T, Vn, C), g); });
    WeightRef head = WeightRef::from_f32(W.data(), Vn, C);
    std::vector<float> lp(T), lse(T), dh(T * C, 0.f);
    logsoftmax_gather_forward(lp.data(), lse.data(), hs.data(), head, tg.data(), T, chunk, nullptr, ex);
    Status st = logsoftmax_gather_backward(dh.data(), g.data(), hs.data(), head, tg.data(), lse.data(), T, chunk, nullptr,
                                           false, ex);
    std::vector<float> dh2(T * C, 0.f);
    logsoftmax_gather_backward(dh2.data(), g.data(), hs.data(), head, tg.data(), nullptr, T, 3, nullptr, false, ex);
    h.check(st.ok() && rel_err(dh, gh, dh.size()) < kTol && rel_err(dh2, dh, dh.size()) < 1e-6,
            "logsoftmax_gather_backward chunk " + std::to_string(chunk) + " vs FD", fmt(rel_err(dh, gh, dh.size())));
  }
}

}  // namespace lathe::test
