// GEMM tests: every weight type x every available ISA x awkward shapes, fast path vs the scalar path vs a double
// reference; threading gives the same result; LoRA matmul forward against a double reference.
#include <algorithm>

#include "cpu/ops.h"
#include "harness.h"
#include "quant/bf16.h"

namespace lathe::test {

using namespace lathe::cpu;

namespace {

struct Weights {
  std::vector<float> f32;
  std::vector<uint16_t> bf16;
  quant::Nf4Tensor nf4, nf4dq;
  quant::Int8Tensor i8;
  int64_t out, in;
  Weights(std::mt19937& rng, int64_t out_, int64_t in_) : out(out_), in(in_) {
    f32 = randn(rng, out * in, 0.5f);
    bf16.resize(f32.size());
    quant::f32_to_bf16_n(bf16.data(), f32.data(), f32.size());
    quant::nf4_quantize(&nf4, f32.data(), nullptr, out, in, false);
    quant::nf4_quantize(&nf4dq, nullptr, bf16.data(), out, in, true);
    quant::int8_quantize(&i8, f32.data(), nullptr, out, in);
  }
  std::vector<std::pair<std::string, WeightRef>> refs() const {
    return {{"f32", WeightRef::from_f32(f32.data(), out, in)},
            {"bf16", WeightRef::from_bf16(bf16.data(), out, in)},
            {"nf4", WeightRef::from_nf4(nf4.view())},
            {"nf4dq", WeightRef::from_nf4(nf4dq.view())},
            {"int8", WeightRef::from_int8(i8.view())}};
  }
};

std::vector<Isa> isas() {
  std::vector<Isa> v{Isa::scalar};
  if (best_isa() >= Isa::avx2) v.push_back(Isa::avx2);
  if (best_isa() >= Isa::avx512) v.push_back(Isa::avx512);
  return v;
}

}  // namespace

void run_gemm_tests(Harness& h) {
  std::mt19937 rng(7);
  ThreadPool pool2(2);
  struct Shape { int64_t M, N, K; };
  const Shape shapes[] = {{1, 5, 64}, {2, 33, 128}, {3, 70, 300}, {7, 33, 320}, {37, 70, 576}, {13, 17, 40}, {9, 64, 1040}, {40, 96, 80}, {2, 9, 80}, {1, 7, 96}};
  for (const Shape& s : shapes) {
    Weights wt(rng, s.N, s.K);     // NT: W (N, K)
    Weights wn(rng, s.K, s.N);     // NN: W (K, N)
    auto A = randn(rng, s.M * s.K);
    auto C0 = randn(rng, s.M * s.N);  // accumulate target
    for (int nt = 0; nt < 2; ++nt) {
      const Weights& W = nt ? wn : wt;  // nt==0 -> gemm_nt
      for (auto& [name, ref] : W.refs()) {
        // double reference from the dequantized weight
        std::vector<double> Cref(s.M * s.N);
        std::vector<float> row(std::max(W.in, W.out));
        std::vector<float> dense(W.out * W.in);
        for (int64_t r = 0; r < W.out; ++r) weight_row(dense.data() + r * W.in, ref, r, 0, W.in);
        for (int64_t m = 0; m < s.M; ++m)
          for (int64_t n = 0; n < s.N; ++n) {
            double acc = 0;
            for (int64_t k = 0; k < s.K; ++k)
              acc += double(A[m * s.K + k]) * (nt == 0 ? dense[n * s.K + k] : dense[k * s.N + n]);
            Cref[m * s.N + n] = C0[m * s.N + n] + 0.75 * acc;
          }
        for (Isa isa : isas())
          for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &pool2}) {
            std::vector<float> C = C0;
            Exec ex{pool, isa};
            Status st = nt == 0 ? gemm_nt(C.data(), s.N, A.data(), s.K, ref, s.M, 0.75f, true, ex)
                                : gemm_nn(C.data(), s.N, A.data(), s.K, ref, s.M, 0.75f, true, ex);
            double e = rel_err(C, Cref, C.size());
            std::string nm = std::string(nt == 0 ? "gemm_nt " : "gemm_nn ") + name + " " + isa_name(isa) +
                             (pool ? " 2thr" : " 1thr") + " M" + std::to_string(s.M) + " N" + std::to_string(s.N) +
                             " K" + std::to_string(s.K);
            h.check(st.ok() && all_finite(C.data(), C.size()) && e < 2e-5, nm, "rel err " + fmt(e));
          }
      }
    }
  }
  // Overwrite mode (accumulate=false) ignores C's old contents, including NaN garbage.
  {
    Weights w(rng, 40, 64);
    auto A = randn(rng, 5 * 64);
    for (Isa isa : isas()) {
      std::vector<float> C(5 * 40, NAN), R(5 * 40);
      gemm_nt(C.data(), 40, A.data(), 64, WeightRef::from_f32(w.f32.data(), 40, 64), 5, 1.f, false, Exec{nullptr, isa});
      gemm_nt(R.data(), 40, A.data(), 64, WeightRef::from_f32(w.f32.data(), 40, 64), 5, 1.f, false,
              Exec{nullptr, Isa::scalar});
      h.check(all_finite(C.data(), C.size()) && rel_err(C, R, C.size()) < 1e-5,
              std::string("gemm_nt overwrite ignores old C ") + isa_name(isa));
    }
  }
  // gemm_tn_acc vs double.
  {
    int64_t K = 50, M = 7, N = 300;
    auto A = randn(rng, K * M), B = randn(rng, K * N), C = randn(rng, M * N);
    std::vector<double> R(C.begin(), C.end());
    for (int64_t k = 0; k < K; ++k)
      for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < N; ++n) R[m * N + n] += 0.5 * A[k * M + m] * B[k * N + n];
    for (Isa isa : isas()) {
      auto Cc = C;
      gemm_tn_acc(Cc.data(), A.data(), B.data(), K, M, N, 0.5f, Exec{&pool2, isa});
      h.check(rel_err(Cc, R, Cc.size()) < 1e-5, std::string("gemm_tn_acc ") + isa_name(isa));
    }
  }
  // matmul_forward with bias + LoRA (incl. dropout) vs double reference.
  for (float p : {0.f, 0.3f}) {
    int64_t T = 11, IN = 96, OUT = 40, R = 4;
    Weights w(rng, OUT, IN);
    auto x = randn(rng, T * IN), bias = randn(rng, OUT), A = randn(rng, R * IN, 0.1f), B = randn(rng, OUT * R, 0.1f);
    LoraRef l{A.data(), B.data(), R, 2.0f, p, 1234};
    for (auto& [name, ref] : w.refs()) {
      std::vector<float> dense(OUT * IN);
      for (int64_t r = 0; r < OUT; ++r) weight_row(dense.data() + r * IN, ref, r, 0, IN);
      std::vector<double> yref(T * OUT);
      for (int64_t t = 0; t < T; ++t) {
        std::vector<double> u(R, 0.0);
        for (int64_t r = 0; r < R; ++r)
          for (int64_t i = 0; i < IN; ++i) {
            double xd = lora_keep(l.seed, t * IN + i, p) ? x[t * IN + i] / (1.0 - p) : 0.0;
            u[r] += xd * A[r * IN + i];
          }
        for (int64_t o = 0; o < OUT; ++o) {
          double acc = bias[o];
          for (int64_t i = 0; i < IN; ++i) acc += double(x[t * IN + i]) * dense[o * IN + i];
          for (int64_t r = 0; r < R; ++r) acc += 2.0 * u[r] * B[o * R + r];
          yref[t * OUT + o] = acc;
        }
      }
      for (Isa isa : isas()) {
        std::vector<float> y(T * OUT), uu(T * R);
        Status st = matmul_forward(y.data(), uu.data(), x.data(), ref, bias.data(), &l, T, Exec{&pool2, isa});
        double e = rel_err(y, yref, y.size());
        h.check(st.ok() && e < 2e-5, "matmul_forward+lora " + name + " p=" + fmt(p) + " " + isa_name(isa),
                "rel err " + fmt(e));
      }
    }
  }
  // Dropout mask is seeded and has the right rate.
  {
    int64_t kept = 0, n = 100000;
    bool same = true;
    for (int64_t i = 0; i < n; ++i) {
      bool k = lora_keep(99, i, 0.25f);
      kept += k;
      same &= k == lora_keep(99, i, 0.25f);
    }
    double rate = double(kept) / n;
    h.check(same && rate > 0.74 && rate < 0.76, "lora dropout: reproducible mask, keep rate ~0.75", fmt(rate));
  }
}

}  // namespace lathe::test
