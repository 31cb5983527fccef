// Tests of the SIMD fast paths added for speed: the polynomial exp (vs std::exp in double over the whole float range,
// -inf/0/inf/NaN/subnormals), the row kernels built on it, and the FlashAttention-style attention (AVX2 and AVX-512)
// vs the double reference (forward) and vs the scalar GEMM-based path (backward, itself checked against finite
// differences in test_grad.cc) at sizes with partial tiles, segments, KV-cache offsets and GQA ratios 1/3/4.
#include <atomic>
#include <cfloat>
#include <chrono>
#include <thread>
#include <cstring>
#include <limits>

#include "cpu/ops.h"
#include "cpu/vmath.h"
#include "harness.h"
#include "ref.h"

namespace lathe::test {

using namespace lathe::cpu;

namespace {

std::vector<Isa> simd_isas() {
  std::vector<Isa> v;
  for (Isa isa : {Isa::avx2, Isa::avx512})
    if (isa <= best_isa()) v.push_back(isa);
  return v;
}

void test_exp(Harness& h) {
  std::vector<float> x;
  for (double v = -110.0; v <= 95.0; v += 0.00731) x.push_back(static_cast<float>(v));
  for (float v : {0.f, -0.f, 1e-30f, -1e-30f, FLT_MIN, -FLT_MIN, 88.72f, 88.7228f, 88.73f, -87.33f, -87.34f, -103.2f,
                  -103.3f, -104.5f, -1000.f, 1000.f})
    x.push_back(v);
  const float inf = std::numeric_limits<float>::infinity();
  x.push_back(-inf);
  x.push_back(inf);
  x.push_back(std::numeric_limits<float>::quiet_NaN());
  for (Isa isa : simd_isas()) {
    for (size_t off : {size_t(0), size_t(3)}) {  // also an unaligned start and a masked tail
      std::vector<float> y(x.size() - off);
      vexp(y.data(), x.data() + off, static_cast<int64_t>(y.size()), isa);
      double worst_rel = 0, worst_sub = 0;
      bool special = true;
      for (size_t i = 0; i < y.size(); ++i) {
        float xi = x[i + off];
        double e = std::exp(static_cast<double>(xi));
        if (std::isnan(xi)) {
          special &= std::isnan(y[i]);
        } else if (e > FLT_MAX) {
          special &= y[i] == inf;
        } else if (e >= FLT_MIN) {
          worst_rel = std::max(worst_rel, std::fabs(y[i] - e) / e);
        } else {
          worst_sub = std::max(worst_sub, std::fabs(y[i] - e));  // subnormal range: absolute error
        }
      }
      float z[4] = {-inf, 0.f, -0.f, -200.f}, zy[4];
      vexp(zy, z, 4, isa);
      special &= zy[0] == 0.f && zy[1] == 1.f && zy[2] == 1.f && zy[3] == 0.f;
      h.check(worst_rel < 3e-7 && worst_sub <= 2.0 * FLT_TRUE_MIN && special,
              std::string("vexp ") + isa_name(isa) + " vs std::exp over [-110, 95] + specials (off " +
                  std::to_string(off) + ")",
              "rel " + fmt(worst_rel) + " subnormal abs " + fmt(worst_sub));
    }
  }
}

void test_rows(Harness& h) {
  std::mt19937 rng(21);
  const float inf = std::numeric_limits<float>::infinity();
  for (Isa isa : simd_isas()) {
    bool ok = true;
    std::string worst;
    for (int64_t n : {1, 7, 17, 64, 1000, 1037, 150001}) {
      auto x = randn(rng, n, 4.f);
      if (n > 10) x[3] = -inf, x[n - 2] = -inf;
      double m = -INFINITY, s = 0;
      for (float v : x) m = std::max(m, double(v));
      for (float v : x) s += std::exp(double(v) - m);
      double want = m + std::log(s);
      float got = row_logsumexp(x.data(), n, isa);
      if (std::fabs(got - want) > 2e-6 * std::max(1.0, std::fabs(want))) ok = false, worst = std::to_string(n);
      std::vector<float> y(n);
      row_scaled_exp(y.data(), x.data(), n, float(want), -0.5f, isa);
      for (int64_t i = 0; i < n; ++i) {
        double e = -0.5 * std::exp(double(x[i] - float(want)));  // same f32 subtraction as the kernel
        if (std::fabs(y[i] - e) > 1e-6 * std::fabs(e) + 1e-38) ok = false, worst = "scaled " + std::to_string(n);
      }
    }
    std::vector<float> all(33, -inf);
    ok &= row_logsumexp(all.data(), 33, isa) == -inf;
    h.check(ok, std::string("row_logsumexp / row_scaled_exp ") + isa_name(isa) + " vs double (tails, -inf entries)",
            worst);
    auto g = randn(rng, 1003, 6.f), u = randn(rng, 1003), dh = randn(rng, 1003);
    g[0] = 200.f, g[1] = -200.f;
    std::vector<float> hh(g.size()), dg(g.size()), du(g.size());
    Exec ex{nullptr, isa};
    swiglu_forward(hh.data(), g.data(), u.data(), int64_t(g.size()), ex);
    swiglu_backward(dg.data(), du.data(), dh.data(), g.data(), u.data(), int64_t(g.size()), ex);
    double ef = 0, eg = 0, eu = 0, mf = 0, mg = 0, mu = 0;
    for (size_t i = 0; i < g.size(); ++i) {
      double G = g[i], sg = 1 / (1 + std::exp(-G)), f = G * sg * u[i];
      double dgr = dh[i] * u[i] * sg * (1 + G * (1 - sg)), dur = dh[i] * G * sg;
      ef = std::max(ef, std::fabs(hh[i] - f)), mf = std::max(mf, std::fabs(f));
      eg = std::max(eg, std::fabs(dg[i] - dgr)), mg = std::max(mg, std::fabs(dgr));
      eu = std::max(eu, std::fabs(du[i] - dur)), mu = std::max(mu, std::fabs(dur));
    }
    h.check(ef <= 1e-6 * mf && eg <= 1e-6 * mg && eu <= 1e-6 * mu && all_finite(hh.data(), hh.size()),
            std::string("swiglu forward/backward ") + isa_name(isa) + " vs double (incl. |g| = 200)",
            fmt(ef / mf) + " " + fmt(eg / mg) + " " + fmt(eu / mu));
  }
}

struct AttnCase {
  int64_t T, S, p0, NH, NKV, HD;
  bool seg;
};

void test_flash_attention(Harness& h) {
  std::mt19937 rng(31);
  ThreadPool pool(2);
  const AttnCase cases[] = {
      {150, 150, 0, 4, 4, 64, false},   // GQA ratio 1: two 64-row blocks + a partial one; 3 key tiles (last partial)
      {150, 150, 0, 6, 2, 72, true},    // ratio 3, HD 72 (masked column tail), segments
      {77, 90, 13, 8, 2, 64, false},    // ratio 4, KV-cache offset, T not a multiple of the block
      {77, 90, 13, 8, 2, 16, true},     // ratio 4, offset + segments, small head dim
      {1, 100, 99, 6, 2, 64, false},    // one-token decode against a 100-row cache
      {3, 200, 197, 9, 3, 64, false},   // a few tokens, ratio 3, SmolLM2 heads
      {40, 40, 0, 3, 1, 20, true},      // ratio 3 with segments where some queries see no key
  };
  for (const AttnCase& c : cases) {
    float scale = 1.f / std::sqrt(float(c.HD));
    auto q = randn(rng, c.T * c.NH * c.HD), k = randn(rng, c.S * c.NKV * c.HD), v = randn(rng, c.S * c.NKV * c.HD);
    auto dout = randn(rng, c.T * c.NH * c.HD);
    std::vector<int32_t> sk(c.S), sq(c.T);
    for (int64_t s = 0; s < c.S; ++s) sk[s] = int32_t(s / 23);
    for (int64_t t = 0; t < c.T; ++t) sq[t] = sk[t + c.p0];
    if (c.seg && c.T > 30) sq[30] = 1000;  // a query whose segment has no key: zeros
    const int32_t* a = c.seg ? sq.data() : nullptr;
    const int32_t* b = c.seg ? sk.data() : nullptr;
    AttnDims d{c.T, c.S, c.p0, c.NH, c.NKV, c.HD, scale};
    auto oref = ref::attention(to_d(q), to_d(k), to_d(v), a, b, c.T, c.S, c.p0, c.NH, c.NKV, c.HD, scale);
    // lse in double for comparison
    std::vector<double> lref(c.NH * c.T, -INFINITY);
    int64_t group = c.NH / c.NKV;
    for (int64_t t = 0; t < c.T; ++t)
      for (int64_t hh = 0; hh < c.NH; ++hh) {
        double m = -INFINITY, s = 0;
        std::vector<double> sc;
        for (int64_t j = 0; j <= c.p0 + t && j < c.S; ++j) {
          if (a && a[t] != b[j]) continue;
          double dd = 0;
          for (int64_t i = 0; i < c.HD; ++i) dd += double(q[(t * c.NH + hh) * c.HD + i]) * k[(j * c.NKV + hh / group) * c.HD + i];
          sc.push_back(dd * scale);
          m = std::max(m, dd * scale);
        }
        for (double x : sc) s += std::exp(x - m);
        if (!sc.empty()) lref[hh * c.T + t] = m + std::log(s);
      }
    // scalar reference backward
    std::vector<float> o0(q.size()), l0(c.NH * c.T), dq0(q.size()), dk0(k.size()), dv0(v.size());
    Exec es{nullptr, Isa::scalar};
    attention_forward(o0.data(), l0.data(), q.data(), k.data(), v.data(), a, b, d, es);
    attention_backward(dq0.data(), dk0.data(), dv0.data(), dout.data(), o0.data(), l0.data(), q.data(), k.data(),
                       v.data(), a, b, d, es);
    char name[160];
    std::snprintf(name, sizeof name, "T=%lld S=%lld p0=%lld NH=%lld NKV=%lld HD=%lld%s", (long long)c.T, (long long)c.S,
                  (long long)c.p0, (long long)c.NH, (long long)c.NKV, (long long)c.HD, c.seg ? " seg" : "");
    for (Isa isa : simd_isas())
      for (ThreadPool* pp : {static_cast<ThreadPool*>(nullptr), &pool}) {
        Exec ex{pp, isa};
        std::string nm = std::string("flash attention ") + isa_name(isa) + (pp ? " 2 threads " : " 1 thread ") + name;
        std::vector<float> out(q.size(), NAN), lse(c.NH * c.T, NAN);
        Status st = attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), a, b, d, ex);
        double lerr = 0;
        bool lse_ok = true;
        for (size_t i = 0; i < lse.size(); ++i) {
          if (std::isinf(lref[i])) lse_ok &= std::isinf(lse[i]) && lse[i] < 0;
          else lerr = std::max(lerr, std::fabs(lse[i] - lref[i]) / std::max(1.0, std::fabs(lref[i])));
        }
        bool zeros = true;
        if (c.seg && c.T > 30)
          for (int64_t i = 0; i < c.NH * c.HD; ++i) zeros &= out[30 * c.NH * c.HD + i] == 0.f;
        h.check(st.ok() && rel_err(out, oref, out.size()) < 1e-5 && lerr < 1e-6 && lse_ok && zeros,
                nm + " forward vs double", fmt(rel_err(out, oref, out.size())) + " lse " + fmt(lerr));
        std::vector<float> dq(q.size(), NAN), dk(k.size(), NAN), dv(v.size(), NAN);
        st = attention_backward(dq.data(), dk.data(), dv.data(), dout.data(), out.data(), lse.data(), q.data(), k.data(),
                                v.data(), a, b, d, ex);
        double eq = rel_err(dq, dq0, dq.size()), ek = rel_err(dk, dk0, dk.size()), ev = rel_err(dv, dv0, dv.size());
        h.check(st.ok() && eq < 2e-5 && ek < 2e-5 && ev < 2e-5, nm + " backward vs scalar path",
                fmt(eq) + " " + fmt(ek) + " " + fmt(ev));
        if (pp) {  // static split: a second run is bit-identical
          std::vector<float> dq2(q.size()), dk2(k.size()), dv2(v.size());
          attention_backward(dq2.data(), dk2.data(), dv2.data(), dout.data(), out.data(), lse.data(), q.data(), k.data(),
                             v.data(), a, b, d, ex);
          h.check(std::memcmp(dq.data(), dq2.data(), dq.size() * 4) == 0 &&
                      std::memcmp(dk.data(), dk2.data(), dk.size() * 4) == 0 &&
                      std::memcmp(dv.data(), dv2.data(), dv.size() * 4) == 0,
                  nm + " backward deterministic");
        }
      }
  }
}

void test_pool(Harness& h) {
  // Back-to-back tiny jobs (the spinning hand-off), jobs after the workers went to sleep, and a job right after
  // set_threads: every thread runs every job exactly once.
  ThreadPool pool(3);
  std::atomic<int64_t> sum{0};
  bool ok = true;
  for (int rep = 0; rep < 5000; ++rep) pool.run([&](int tid, int n) { sum += tid + 1; ok &= n == 3; });
  for (int rep = 0; rep < 3; ++rep) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    pool.run([&](int tid, int) { sum += tid + 1; });
  }
  pool.set_threads(2);
  pool.run([&](int tid, int n) { sum += 100 * (tid + 1); ok &= n == 2; });
  h.check(ok && sum == 5003 * 6 + 300, "threadpool: 5000 back-to-back jobs, jobs after sleep, run after set_threads");
}

// A NaN in a query row reaches that row's output (divergence must show up, never be masked as probability 0).
void test_flash_nan(Harness& h) {
  std::mt19937 rng(41);
  const int64_t T = 20, NH = 2, NKV = 1, HD = 16;
  auto q = randn(rng, T * NH * HD), k = randn(rng, T * NKV * HD), v = randn(rng, T * NKV * HD);
  q[5 * NH * HD + 3] = NAN;  // row 5, head 0
  AttnDims d{T, T, 0, NH, NKV, HD, 0.25f};
  for (Isa isa : simd_isas()) {
    std::vector<float> out(q.size()), lse(NH * T);
    attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), nullptr, nullptr, d, Exec{nullptr, isa});
    bool ok = std::isnan(out[5 * NH * HD]) && std::isfinite(out[5 * NH * HD + HD]) && std::isfinite(out[4 * NH * HD]);
    h.check(ok, std::string("flash attention ") + isa_name(isa) + ": NaN in a query row propagates to that row only");
  }
}

}  // namespace

void run_fast_tests(Harness& h) {
  test_pool(h);
  test_exp(h);
  test_rows(h);
  test_flash_attention(h);
  test_flash_nan(h);
}

}  // namespace lathe::test
