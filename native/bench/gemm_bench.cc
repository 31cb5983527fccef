// GEMM micro-benchmark: GFLOP/s of the op table's matmul at ~135M-model shapes (512 tokens), per weight type,
// forward (x·W^T) and backward-dx (dy·W), 1 and 2 threads, plus the machine's fp32 FMA peak (for MFU).
// Prints one JSON line per case. Modes: `gemm_bench [f32|bf16|nf4|int8|attn|all] [max threads] [nopeak]`; `gemm_bench
// scaling` (1 vs 2 threads, GFLOP per CPU-second); `gemm_bench cpu [T] [avx2]` (forward GEMM per weight type, 1 thread,
// per CPU-second). Build: node native/tests/build.mjs --bench; run: native/build/tests/gemm_bench
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"  // GCC 12 false positive inside _mm512_reduce_add_ps
#endif
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cpu/attention_internal.h"
#include "cpu/ops.h"
#include "quant/bf16.h"

using namespace lathe;
using namespace lathe::cpu;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Thread scaling on a shared machine: wall time says little when other processes hold the cores, so this reports
// GFLOP per CPU-second (process CPU time, spinning and waiting included) for 1 and 2 threads. Equal values mean the
// second thread adds no overhead (sync, false sharing, bandwidth); the wall-clock speedup then follows from free cores.
void scaling(Isa isa) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.f, 0.02f);
  const int64_t T = 512;
  struct Shape { const char* name; int64_t in, out; };
  for (Shape s : {Shape{"576->1536", 576, 1536}, Shape{"1536->576", 1536, 576}, Shape{"576->192", 576, 192}}) {
    std::vector<float> W(s.in * s.out), x(T * s.in), y(T * s.out);
    for (auto& v : W) v = nd(rng);
    for (auto& v : x) v = nd(rng);
    WeightRef w = WeightRef::from_f32(W.data(), s.out, s.in);
    for (int th = 1; th <= 2; ++th) {
      ThreadPool pool(th);
      Exec ex{&pool, isa};
      gemm_nt(y.data(), s.out, x.data(), s.in, w, T, 1.f, false, ex);
      const int reps = 40;
      double c0 = cpu_now(), w0 = now();
      for (int r = 0; r < reps; ++r) gemm_nt(y.data(), s.out, x.data(), s.in, w, T, 1.f, false, ex);
      double cpu = cpu_now() - c0, wall = now() - w0, flops = 2.0 * T * s.in * s.out * reps;
      std::printf("{\"case\":\"scaling\",\"shape\":\"%s\",\"isa\":\"%s\",\"threads\":%d,\"gflop_per_cpu_s\":%.1f,"
                  "\"wall_gflops\":%.1f,\"cpu_utilisation\":%.2f}\n",
                  s.name, isa_name(isa), th, flops / cpu / 1e9, flops / wall / 1e9, cpu / wall);
    }
  }
}

template <class F>
double median_seconds(F&& f, int reps) {
  f();  // warm-up
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    double s = now();
    f();
    t.push_back(now() - s);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Independent FMA chains in registers: the fp32 peak one thread can issue (AVX-512 or AVX2).
__attribute__((target("avx512f,fma"))) double fma_peak_avx512(int64_t iters) {
  __m512 a[12];
  for (int i = 0; i < 12; ++i) a[i] = _mm512_set1_ps(1.0f + i * 1e-3f);
  const __m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  for (int64_t k = 0; k < iters; ++k)
    for (int i = 0; i < 12; ++i) a[i] = _mm512_fmadd_ps(a[i], b, c);
  float s = 0;
  for (int i = 0; i < 12; ++i) s += _mm512_reduce_add_ps(a[i]);
  return s;
}
__attribute__((target("avx2,fma"))) double fma_peak_avx2(int64_t iters) {
  __m256 a[12];
  for (int i = 0; i < 12; ++i) a[i] = _mm256_set1_ps(1.0f + i * 1e-3f);
  const __m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  for (int64_t k = 0; k < iters; ++k)
    for (int i = 0; i < 12; ++i) a[i] = _mm256_fmadd_ps(a[i], b, c);
  alignas(32) float o[8];
  _mm256_store_ps(o, a[0]);
  return o[0];
}

void peak(int threads, Isa isa) {
  const int64_t iters = 20'000'000;
  volatile double sink = 0;
  double t = median_seconds(
      [&] {
        std::vector<std::thread> th;
        for (int i = 0; i < threads; ++i)
          th.emplace_back([&] { sink = isa == Isa::avx512 ? fma_peak_avx512(iters) : fma_peak_avx2(iters); });
        for (auto& x : th) x.join();
      },
      3);
  double lanes = isa == Isa::avx512 ? 16 : 8;
  double gflops = threads * iters * 12.0 * lanes * 2 / t / 1e9;
  std::printf("{\"case\":\"fma_peak\",\"isa\":\"%s\",\"threads\":%d,\"gflops\":%.1f}\n", isa_name(isa), threads, gflops);
}

// Attention at SmolLM2-135M dims (T 512), 1 thread, per CPU-second: the flash units vs the previous GEMM-based kernel.
void attn_cpu(Isa isa) {
  const int64_t T = 512, NH = 9, NKV = 3, HD = 64;
  std::mt19937 rng(5);
  std::normal_distribution<float> n1(0.f, 1.f);
  std::vector<float> q(T * NH * HD), k(T * NKV * HD), v(T * NKV * HD), o(q.size()), lse(NH * T), dq(q.size()),
      dk(k.size()), dv(v.size());
  for (auto* b : {&q, &k, &v})
    for (auto& x : *b) x = n1(rng);
  AttnDims d{T, T, 0, NH, NKV, HD, 0.125f};
  Exec ex{nullptr, isa};
  const double flops = 2.0 * 2.0 * NH * HD * (T * (T + 1) / 2.0);
  auto rate = [&](auto&& f, double fl) {
    std::vector<double> r;
    for (int rep = 0; rep < 7; ++rep) {
      double c0 = cpu_now();
      int n = 0;
      while (cpu_now() - c0 < 0.06) f(), ++n;
      r.push_back(fl * n / (cpu_now() - c0) / 1e9);
    }
    std::sort(r.begin(), r.end());
    return r[3];
  };
  double f_new = rate([&] { attention_forward(o.data(), lse.data(), q.data(), k.data(), v.data(), nullptr, nullptr, d, ex); }, flops);
  double f_old = rate([&] { detail::attention_forward_gemm(o.data(), lse.data(), q.data(), k.data(), v.data(), nullptr, nullptr, d, ex); }, flops);
  double b_new = rate([&] { attention_backward(dq.data(), dk.data(), dv.data(), o.data(), o.data(), lse.data(), q.data(), k.data(), v.data(), nullptr, nullptr, d, ex); }, 2.5 * flops);
  double b_old = rate([&] { detail::attention_backward_gemm(dq.data(), dk.data(), dv.data(), o.data(), o.data(), lse.data(), q.data(), k.data(), v.data(), nullptr, nullptr, d, ex); }, 2.5 * flops);
  std::printf("{\"case\":\"attention_cpu\",\"isa\":\"%s\",\"fwd_gflop_per_cpu_s\":%.1f,\"fwd_baseline\":%.1f,\"fwd_speedup\":%.2f,"
              "\"bwd_gflop_per_cpu_s\":%.1f,\"bwd_baseline\":%.1f,\"bwd_speedup\":%.2f}\n",
              isa_name(isa), f_new, f_old, f_new / f_old, b_new, b_old, b_new / b_old);
}

void cpu_rates(Isa isa, int64_t T) {
  std::mt19937 rng(4);
  std::normal_distribution<float> nd(0.f, 0.02f);
  for (auto [in, out] : {std::pair<int64_t, int64_t>{576, 1536}, {1536, 576}}) {
    std::vector<float> W(in * out), x(T * in), y(T * out);
    for (auto& v : W) v = nd(rng);
    for (auto& v : x) v = nd(rng);
    std::vector<uint16_t> Wb(W.size());
    quant::f32_to_bf16_n(Wb.data(), W.data(), W.size());
    quant::Nf4Tensor nf;
    quant::nf4_quantize(&nf, W.data(), nullptr, out, in, true);
    quant::Int8Tensor i8;
    quant::int8_quantize(&i8, W.data(), nullptr, out, in);
    std::pair<const char*, WeightRef> refs[] = {{"f32", WeightRef::from_f32(W.data(), out, in)},
                                                {"bf16", WeightRef::from_bf16(Wb.data(), out, in)},
                                                {"nf4", WeightRef::from_nf4(nf.view())},
                                                {"int8", WeightRef::from_int8(i8.view())}};
    Exec ex{nullptr, isa};
    for (auto& [name, w] : refs) {
      std::vector<double> rates;
      for (int rep = 0; rep < 7; ++rep) {
        double c0 = cpu_now();
        int n = 0;
        while (cpu_now() - c0 < 0.05) gemm_nt(y.data(), out, x.data(), in, w, T, 1.f, false, ex), ++n;
        rates.push_back(2.0 * T * in * out * n / (cpu_now() - c0) / 1e9);
      }
      std::sort(rates.begin(), rates.end());
      std::printf("{\"case\":\"gemm_nt_cpu\",\"shape\":\"%lld->%lld\",\"T\":%lld,\"weight\":\"%s\",\"isa\":\"%s\","
                  "\"gflop_per_cpu_s\":%.1f}\n", (long long)in, (long long)out, (long long)T, name, isa_name(isa), rates[3]);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Optional filters: argv[1] = weight type (f32|bf16|nf4|int8|all), argv[2] = max threads, argv[3] = "nopeak"
  std::string only = argc > 1 ? argv[1] : "all";
  if (only == "scaling") {
    scaling(best_isa());
    return 0;
  }
  if (only == "attncpu") {  // attention, 1 thread, per CPU-second, flash vs baseline (backward counted as 2.5x flops)
    for (Isa isa : {best_isa(), Isa::avx2}) attn_cpu(isa);
    return 0;
  }
  if (only == "cpu") {  // forward GEMM per weight type, 1 thread, GFLOP per CPU-second (robust to a busy machine)
    cpu_rates(argc > 3 && std::string(argv[3]) == "avx2" ? Isa::avx2 : best_isa(), argc > 2 ? std::atoi(argv[2]) : 512);
    return 0;
  }
  int max_threads = argc > 2 ? std::atoi(argv[2]) : 2;
  bool do_peak = !(argc > 3 && std::string(argv[3]) == "nopeak");
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0.f, 0.02f);
  const int64_t T = 512;
  struct Shape { const char* name; int64_t in, out; };
  const Shape shapes[] = {{"576->1536 (gate/up)", 576, 1536}, {"576->576 (q/o)", 576, 576}, {"1536->576 (down)", 1536, 576}};
  std::vector<Isa> isas{best_isa()};
  if (best_isa() == Isa::avx512) isas.push_back(Isa::avx2);
  for (Isa isa : isas)
    for (int th = 1; th <= max_threads && do_peak; ++th) peak(th, isa);
  {  // attention at SmolLM2-135M dims: NH 9, NKV 3, HD 64, 512 causal tokens; flash units vs the previous GEMM-based
     // kernel (baseline) in the same run, ratio = baseline time / new time. Then a one-token decode over a 512-row cache.
    const int64_t NH = 9, NKV = 3, HD = 64;
    std::normal_distribution<float> n1(0.f, 1.f);
    std::vector<float> q(T * NH * HD), k(T * NKV * HD), v(T * NKV * HD), o(q.size()), lse(NH * T), dq(q.size()),
        dk(k.size()), dv(v.size());
    for (auto* b : {&q, &k, &v})
      for (auto& x : *b) x = n1(rng);
    AttnDims d{T, T, 0, NH, NKV, HD, 0.125f};
    AttnDims dd{1, T, T - 1, NH, NKV, HD, 0.125f};
    double flops = 2.0 * 2.0 * NH * HD * (T * (T + 1) / 2.0);  // QK^T and PV over the causal triangle
    for (Isa isa : isas)
      for (int th = 1; th <= max_threads; ++th) {
        if (only != "all" && only != "attn") continue;
        ThreadPool pool(th);
        Exec ex{&pool, isa};
        const int reps = 9;
        double tf = median_seconds([&] { attention_forward(o.data(), lse.data(), q.data(), k.data(), v.data(), nullptr, nullptr, d, ex); }, reps);
        double tf0 = median_seconds([&] { detail::attention_forward_gemm(o.data(), lse.data(), q.data(), k.data(), v.data(), nullptr, nullptr, d, ex); }, reps);
        auto bwd = [&](bool base) {
          return median_seconds([&] {
            if (base)
              detail::attention_backward_gemm(dq.data(), dk.data(), dv.data(), o.data(), o.data(), lse.data(), q.data(),
                                              k.data(), v.data(), nullptr, nullptr, d, ex);
            else
              attention_backward(dq.data(), dk.data(), dv.data(), o.data(), o.data(), lse.data(), q.data(), k.data(),
                                 v.data(), nullptr, nullptr, d, ex);
          }, reps);
        };
        double tb = bwd(false), tb0 = bwd(true);
        double td = median_seconds([&] { attention_forward(o.data(), nullptr, q.data(), k.data(), v.data(), nullptr, nullptr, dd, ex); }, 51);
        double td0 = median_seconds([&] { detail::attention_forward_gemm(o.data(), nullptr, q.data(), k.data(), v.data(), nullptr, nullptr, dd, ex); }, 51);
        std::printf("{\"case\":\"attention\",\"T\":%lld,\"NH\":9,\"NKV\":3,\"HD\":64,\"isa\":\"%s\",\"threads\":%d,"
                    "\"fwd_ms\":%.2f,\"bwd_ms\":%.2f,\"fwd_gflops\":%.1f,\"fwd_speedup\":%.2f,\"bwd_speedup\":%.2f,"
                    "\"decode_us\":%.1f,\"decode_speedup\":%.2f}\n",
                    static_cast<long long>(T), isa_name(isa), th, tf * 1e3, tb * 1e3, flops / tf / 1e9, tf0 / tf, tb0 / tb,
                    td * 1e6, td0 / td);
        std::fflush(stdout);
      }
  }
  for (const Shape& s : shapes) {
    std::vector<float> W(s.in * s.out), x(T * s.in), y(T * s.out), dx(T * s.in);
    for (auto& v : W) v = nd(rng);
    for (auto& v : x) v = nd(rng) * 50;
    std::vector<uint16_t> Wb(W.size());
    quant::f32_to_bf16_n(Wb.data(), W.data(), W.size());
    quant::Nf4Tensor nf;
    quant::nf4_quantize(&nf, W.data(), nullptr, s.out, s.in, true);
    quant::Int8Tensor i8;
    quant::int8_quantize(&i8, W.data(), nullptr, s.out, s.in);
    std::pair<const char*, WeightRef> refs[] = {{"f32", WeightRef::from_f32(W.data(), s.out, s.in)},
                                                {"bf16", WeightRef::from_bf16(Wb.data(), s.out, s.in)},
                                                {"nf4", WeightRef::from_nf4(nf.view())},
                                                {"int8", WeightRef::from_int8(i8.view())}};
    for (Isa isa : isas)
      for (int th = 1; th <= max_threads; ++th) {
        ThreadPool pool(th);
        Exec ex{&pool, isa};
        for (auto& [name, w] : refs) {
          if (only != "all" && only != name) continue;
          double flops = 2.0 * T * s.in * s.out;
          double tf = median_seconds([&] { gemm_nt(y.data(), s.out, x.data(), s.in, w, T, 1.f, false, ex); }, 7);
          double tb = median_seconds([&] { gemm_nn(dx.data(), s.in, y.data(), s.out, w, T, 1.f, false, ex); }, 7);
          std::printf(
              "{\"case\":\"gemm\",\"shape\":\"%s\",\"T\":%lld,\"weight\":\"%s\",\"isa\":\"%s\",\"threads\":%d,"
              "\"fwd_gflops\":%.1f,\"bwd_dx_gflops\":%.1f}\n",
              s.name, static_cast<long long>(T), name, isa_name(isa), th, flops / tf / 1e9, flops / tb / 1e9);
          std::fflush(stdout);
        }
      }
  }
  return 0;
}
