// Minimal test harness for the standalone op tests: PASS/FAIL lines, a final "ops: N passed, M failed" summary.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace lathe::test {

struct Harness {
  int passed = 0, failed = 0;
  void check(bool ok, const std::string& name, const std::string& detail = {}) {
    if (ok) {
      ++passed;
      std::printf("PASS %s\n", name.c_str());
    } else {
      ++failed;
      std::printf("FAIL %s%s%s\n", name.c_str(), detail.empty() ? "" : ": ", detail.c_str());
    }
    std::fflush(stdout);
  }
};

inline std::vector<float> randn(std::mt19937& rng, size_t n, float sd = 1.f) {
  std::normal_distribution<float> d(0.f, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}
inline std::vector<double> to_d(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

inline bool all_finite(const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) return false;
  return true;
}

// Max |a-b| / (max|b| + tiny): a scale-aware error used for every fast-vs-reference comparison.
template <class A, class B>
double rel_err(const A& a, const B& b, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    double d = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    if (std::isnan(d)) return INFINITY;
    num = std::max(num, d);
    den = std::max(den, std::fabs(static_cast<double>(b[i])));
  }
  return num / (den + 1e-30);
}

inline std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// Central finite differences of a double-precision loss over every entry of x.
template <class F>
std::vector<double> fd_grad(std::vector<double>& x, F&& loss, double h = 1e-6) {
  std::vector<double> g(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    double s = x[i];
    x[i] = s + h;
    double lp = loss();
    x[i] = s - h;
    double lm = loss();
    x[i] = s;
    g[i] = (lp - lm) / (2 * h);
  }
  return g;
}

void run_quant_tests(Harness& h);
void run_gemm_tests(Harness& h);
void run_op_tests(Harness& h);
void run_grad_tests(Harness& h);
void run_fast_tests(Harness& h);

}  // namespace lathe::test
