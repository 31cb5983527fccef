// Forward op tests vs double references: rmsnorm, rope (+ llama3 inv_freq), attention (segments == separate runs,
// KV-cache == full causal), swiglu, chunked log-softmax == full softmax, embedding, AdamW, grad norm, thread pool.
#include <atomic>

#include "cpu/ops.h"
#include "harness.h"
#include "quant/bf16.h"
#include "ref.h"

namespace lathe::test {

using namespace lathe::cpu;

void run_op_tests(Harness& h) {
  std::mt19937 rng(11);
  ThreadPool pool(2);
  Exec ex{&pool, best_isa()};

  {  // thread pool covers every index exactly once, repeatedly
    bool ok = true;
    for (int rep = 0; rep < 50; ++rep) {
      std::vector<std::atomic<int>> hits(1000);
      pool.parallel_for(1000, [&](int64_t b, int64_t e, int) { for (int64_t i = b; i < e; ++i) hits[i]++; }, 7);
      for (auto& x : hits) ok &= x.load() == 1;
    }
    ThreadPool p3(3);
    std::atomic<int> sum{0};
    p3.run([&](int tid, int n) { sum += tid + 10 * n; });
    h.check(ok && sum == 0 + 1 + 2 + 90, "threadpool: parallel_for and run");
  }
  {  // rmsnorm forward (also as per-head q/k norm)
    int64_t N = 13, C = 64;
    auto x = randn(rng, N * C), w = randn(rng, C);
    std::vector<float> y(N * C), r(N);
    rmsnorm_forward(y.data(), r.data(), x.data(), w.data(), N, C, 1e-5f, ex);
    auto yr = ref::rmsnorm(to_d(x), to_d(w), N, C, 1e-5);
    h.check(rel_err(y, yr, y.size()) < 1e-6, "rmsnorm_forward vs double", fmt(rel_err(y, yr, y.size())));
  }
  {  // rope inv_freq: plain and llama3 scaling vs the formula in double
    int64_t HD = 64;
    std::vector<float> f(HD / 2), f3(HD / 2);
    rope_inv_freq(f.data(), HD, 500000.f, RopeScaling{});
    RopeScaling s3{RopeScaling::Kind::llama3, 8.f, 1.f, 4.f, 8192.f};
    rope_inv_freq(f3.data(), HD, 500000.f, s3);
    bool ok = true;
    int n_hi = 0, n_lo = 0, n_mid = 0;
    for (int64_t i = 0; i < HD / 2; ++i) {
      double inv = 1.0 / std::pow(500000.0, 2.0 * i / HD);
      ok &= std::fabs(f[i] - inv) <= 2e-6 * inv;
      double wl = 2 * M_PI / inv, g;
      if (wl < 8192.0 / 4) g = inv, ++n_hi;
      else if (wl > 8192.0) g = inv / 8, ++n_lo;
      else {
        double sm = (8192.0 / wl - 1) / 3;
        g = (1 - sm) * inv / 8 + sm * inv;
        ++n_mid;
      }
      ok &= std::fabs(f3[i] - g) <= 1e-5 * g;
    }
    h.check(ok && n_hi && n_lo && n_mid, "rope_inv_freq: plain and llama3 scaling (all three bands)");
  }
  {  // rope forward vs double, positions out of order, in place
    int64_t T = 9, NHX = 3, HD = 16, P = 64;
    std::vector<float> inv(HD / 2), cs(P * HD / 2), sn(P * HD / 2);
    rope_inv_freq(inv.data(), HD, 10000.f, RopeScaling{});
    rope_table(cs.data(), sn.data(), inv.data(), HD, P);
    std::vector<int32_t> pos = {0, 5, 1, 63, 7, 7, 2, 40, 3};
    auto x = randn(rng, T * NHX * HD);
    auto yr = ref::rope(to_d(x), pos, inv, T, NHX, HD);
    auto y = x;
    Status st = rope_forward(y.data(), y.data(), pos.data(), cs.data(), sn.data(), T, NHX, HD, P, ex);
    h.check(st.ok() && rel_err(y, yr, y.size()) < 1e-6, "rope_forward vs double (in place)", fmt(rel_err(y, yr, y.size())));
    auto back = y;
    rope_backward(back.data(), back.data(), pos.data(), cs.data(), sn.data(), T, NHX, HD, P, ex);
    h.check(rel_err(back, x, x.size()) < 1e-6, "rope_backward inverts rope_forward");
    pos[2] = 64;
    h.check(!rope_forward(y.data(), x.data(), pos.data(), cs.data(), sn.data(), T, NHX, HD, P, ex).ok(),
            "rope: position past the table is an error");
  }
  {  // attention: GQA causal vs double; segments == separate runs; KV cache == full causal rows
    int64_t T = 12, NH = 4, NKV = 2, HD = 72;  // HD 72: full 64-wide chunk + masked tail
    float scale = 1.f / std::sqrt(float(HD));
    auto q = randn(rng, T * NH * HD), k = randn(rng, T * NKV * HD), v = randn(rng, T * NKV * HD);
    std::vector<float> out(T * NH * HD), lse(NH * T);
    AttnDims d{T, T, 0, NH, NKV, HD, scale};
    Status st = attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), nullptr, nullptr, d, ex);
    auto oref = ref::attention(to_d(q), to_d(k), to_d(v), nullptr, nullptr, T, T, 0, NH, NKV, HD, scale);
    h.check(st.ok() && rel_err(out, oref, out.size()) < 1e-5, "attention_forward causal GQA vs double",
            fmt(rel_err(out, oref, out.size())));
    for (Isa isa : {Isa::scalar, Isa::avx2}) {
      if (isa > best_isa()) continue;
      std::vector<float> o2(out.size());
      attention_forward(o2.data(), nullptr, q.data(), k.data(), v.data(), nullptr, nullptr, d, Exec{nullptr, isa});
      h.check(rel_err(o2, oref, o2.size()) < 1e-5, std::string("attention_forward causal GQA ") + isa_name(isa));
    }

    std::vector<int32_t> seg = {0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2};
    std::vector<float> os(out.size());
    attention_forward(os.data(), nullptr, q.data(), k.data(), v.data(), seg.data(), seg.data(), d, ex);
    std::vector<float> sep(out.size());
    for (auto [b, e] : {std::pair<int64_t, int64_t>{0, 5}, {5, 8}, {8, 12}}) {
      int64_t n = e - b;
      AttnDims ds{n, n, 0, NH, NKV, HD, scale};
      attention_forward(sep.data() + b * NH * HD, nullptr, q.data() + b * NH * HD, k.data() + b * NKV * HD,
                        v.data() + b * NKV * HD, nullptr, nullptr, ds, ex);
    }
    h.check(rel_err(os, sep, os.size()) < 1e-6, "attention: segment ids == separate attention per segment");

    int64_t p = 7, n = T - p;
    std::vector<float> oc(n * NH * HD);
    AttnDims dc{n, T, p, NH, NKV, HD, scale};
    attention_forward(oc.data(), nullptr, q.data() + p * NH * HD, k.data(), v.data(), nullptr, nullptr, dc, ex);
    h.check(rel_err(oc, out.data() + p * NH * HD, oc.size()) < 1e-6, "attention: KV-cache queries == full causal rows");
    AttnDims bad{n, T - 1, p, NH, NKV, HD, scale};
    h.check(!attention_forward(oc.data(), nullptr, q.data(), k.data(), v.data(), nullptr, nullptr, bad, ex).ok(),
            "attention: queries past the cache end are an error");
  }
  {  // swiglu
    auto g = randn(rng, 1000, 3.f), u = randn(rng, 1000);
    std::vector<float> hh(1000);
    swiglu_forward(hh.data(), g.data(), u.data(), 1000, ex);
    auto hr = ref::swiglu(to_d(g), to_d(u));
    h.check(rel_err(hh, hr, 1000) < 1e-6, "swiglu_forward vs double");
  }
  {  // chunked log-softmax gather == full softmax (several chunk sizes, f32 and bf16 heads, ignored targets)
    int64_t T = 10, V = 300, C = 48;
    auto hs = randn(rng, T * C), W = randn(rng, V * C, 0.3f);
    std::vector<uint16_t> Wb(W.size());
    quant::f32_to_bf16_n(Wb.data(), W.data(), W.size());
    std::vector<float> Wbf(W.size());
    quant::bf16_to_f32_n(Wbf.data(), Wb.data(), W.size());
    std::vector<int32_t> tg = {3, 299, 0, -1, 17, 150, 150, 2, 298, 1};
    for (int bf = 0; bf < 2; ++bf) {
      auto lref = ref::logsoftmax_gather(to_d(hs), to_d(bf ? Wbf : W), tg, T, V, C);
      WeightRef head = bf ? WeightRef::from_bf16(Wb.data(), V, C) : WeightRef::from_f32(W.data(), V, C);
      for (int64_t chunk : {1, 3, 10, 64}) {
        std::vector<float> lp(T), lse(T);
        Status st = logsoftmax_gather_forward(lp.data(), lse.data(), hs.data(), head, tg.data(), T, chunk, nullptr, ex);
        h.check(st.ok() && rel_err(lp, lref, T) < 1e-5 && lp[3] == 0.f,
                std::string("logsoftmax_gather ") + (bf ? "bf16" : "f32") + " chunk " + std::to_string(chunk) +
                    " == full softmax",
                fmt(rel_err(lp, lref, T)));
      }
      std::vector<float> logits(V);
      logits_row(logits.data(), hs.data() + 4 * C, head, ex);
      double m = *std::max_element(logits.begin(), logits.end()), s = 0;
      for (float l : logits) s += std::exp(l - m);
      h.check(std::fabs(logits[17] - m - std::log(s) - lref[4]) < 1e-4, "logits_row matches the gathered logp");
    }
    std::vector<int32_t> badt = tg;
    badt[5] = 300;
    std::vector<float> lp(T);
    Status st = logsoftmax_gather_forward(lp.data(), nullptr, hs.data(), WeightRef::from_f32(W.data(), V, C), badt.data(), T,
                                          4, nullptr, ex);
    h.check(!st.ok() && st.message.find("position 5") != std::string::npos, "logsoftmax_gather: bad target names position");
  }
  {  // embedding bf16 + out of range
    int64_t V = 20, C = 16;
    auto tab = randn(rng, V * C);
    std::vector<uint16_t> tb(tab.size());
    quant::f32_to_bf16_n(tb.data(), tab.data(), tab.size());
    std::vector<int32_t> ids = {3, 19, 0, 3};
    std::vector<float> out(4 * C);
    Status st = embedding_forward(out.data(), ids.data(), WeightRef::from_bf16(tb.data(), V, C), 4, ex);
    bool ok = st.ok();
    for (int t = 0; t < 4; ++t)
      for (int c = 0; c < C; ++c) ok &= out[t * C + c] == quant::bf16_to_f32(tb[ids[t] * C + c]);
    ids[1] = 20;
    h.check(ok && !embedding_forward(out.data(), ids.data(), WeightRef::from_bf16(tb.data(), V, C), 4, ex).ok(),
            "embedding_forward bf16 rows, out-of-range id rejected");
  }
  {  // AdamW vs PyTorch's formula in double, 3 steps with weight decay and a clip factor; grad norm
    int64_t n = 1000;
    auto p = randn(rng, n), g = randn(rng, n);
    std::vector<float> m(n, 0.f), v(n, 0.f);
    std::vector<double> pd = to_d(p), md(n, 0.0), vd(n, 0.0);
    AdamW o{1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, 1};
    for (int step = 1; step <= 3; ++step) {
      o.step = step;
      adamw_step(p.data(), m.data(), v.data(), g.data(), n, o, 0.5f, ex);
      for (int64_t i = 0; i < n; ++i) {
        double gg = g[i] * 0.5;
        pd[i] *= 1 - 1e-2 * 0.1;
        md[i] = 0.9 * md[i] + 0.1 * gg;
        vd[i] = 0.999 * vd[i] + 0.001 * gg * gg;
        double mh = md[i] / (1 - std::pow(0.9, step)), vh = vd[i] / (1 - std::pow(0.999, step));
        pd[i] -= 1e-2 * mh / (std::sqrt(vh) + 1e-8);
      }
    }
    h.check(rel_err(p, pd, n) < 1e-5, "adamw_step vs double (decay, bias correction, grad scale)", fmt(rel_err(p, pd, n)));
    auto a = randn(rng, 5000), b = randn(rng, 37);
    BufView bufs[2] = {{a.data(), 5000}, {b.data(), 37}};
    double ss = 0;
    for (float x : a) ss += double(x) * x;
    for (float x : b) ss += double(x) * x;
    double gn = grad_norm(bufs, 2, ex);
    b[3] = NAN;
    h.check(std::fabs(gn - std::sqrt(ss)) < 1e-9 * gn && std::isnan(grad_norm(bufs, 2, ex)),
            "grad_norm: global L2, NaN propagates");
  }
}

}  // namespace lathe::test
