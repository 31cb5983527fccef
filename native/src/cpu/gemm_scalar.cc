// Scalar reference GEMM workers: obviously-correct loops over dequantized weight rows; the fast paths are tested against these.
#include <vector>

#include "cpu/gemm_internal.h"

namespace lathe::cpu::detail {

void gemm_nt_scalar(const GemmTask& t) {
  std::vector<float> row(t.K);
  for (int64_t n = t.n0; n < t.n1; ++n) {
    weight_row(row.data(), *t.W, n, 0, t.K);
    for (int64_t m = t.m0; m < t.m1; ++m) {
      const float* a = t.A + m * t.lda;
      float acc = 0.f;
      for (int64_t k = 0; k < t.K; ++k) acc += a[k] * row[k];
      float* c = t.C + m * t.ldc + n;
      *c = t.accumulate ? *c + t.alpha * acc : t.alpha * acc;
    }
  }
}

void gemm_nn_scalar(const GemmTask& t) {
  int64_t nn = t.n1 - t.n0;
  std::vector<float> acc((t.m1 - t.m0) * nn, 0.f), row(nn);
  for (int64_t k = 0; k < t.K; ++k) {
    weight_row(row.data(), *t.W, k, t.n0, t.n1);
    for (int64_t m = t.m0; m < t.m1; ++m) {
      float a = t.A[m * t.lda + k];
      float* cr = acc.data() + (m - t.m0) * nn;
      for (int64_t j = 0; j < nn; ++j) cr[j] += a * row[j];
    }
  }
  for (int64_t m = t.m0; m < t.m1; ++m)
    for (int64_t j = 0; j < nn; ++j) {
      float* c = t.C + m * t.ldc + t.n0 + j;
      float v = t.alpha * acc[(m - t.m0) * nn + j];
      *c = t.accumulate ? *c + v : v;
    }
}

void gemm_tn_scalar(float* C, const float* A, const float* B, int64_t K, int64_t M, int64_t N, int64_t n0, int64_t n1,
                    float alpha) {
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = n0; n < n1; ++n) {
      float acc = 0.f;
      for (int64_t k = 0; k < K; ++k) acc += A[k * M + m] * B[k * N + n];
      C[m * N + n] += alpha * acc;
    }
}

}  // namespace lathe::cpu::detail
