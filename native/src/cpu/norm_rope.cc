// Row-wise ops: RMSNorm, RoPE (rotate-half), SwiGLU and the elementwise helpers, each forward and backward.
#include <cmath>
#include <string>
#include <vector>

#include "cpu/dispatch.h"
#include "cpu/ops.h"
#include "cpu/vmath.h"

namespace lathe::cpu {

namespace {
// Runs body(begin, end) over [0, n) on the pool, or inline.
template <class F>
void rows(const Exec& ex, int64_t n, int64_t grain, F&& body) {
  if (ex.pool && ex.pool->size() > 1) ex.pool->parallel_for(n, [&](int64_t b, int64_t e, int) { body(b, e); }, grain);
  else body(0, n);
}
}  // namespace

void rmsnorm_forward(float* y, float* rstd, const float* x, const float* w, int64_t N, int64_t C, float eps,
                     const Exec& ex) {
  rows(ex, N, 16, [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      const float* xr = x + n * C;
      float ss = 0.f;
      for (int64_t c = 0; c < C; ++c) ss += xr[c] * xr[c];
      float r = 1.0f / std::sqrt(ss / static_cast<float>(C) + eps);
      if (rstd) rstd[n] = r;
      float* yr = y + n * C;
      for (int64_t c = 0; c < C; ++c) yr[c] = w[c] * (xr[c] * r);
    }
  });
}

void rmsnorm_backward(float* dx, float* dw, const float* dy, const float* x, const float* w, const float* rstd,
                      int64_t N, int64_t C, bool accumulate, const Exec& ex) {
  // dx = r (w⊙dy) - r³/C · x · Σ(w⊙dy⊙x);  dw += Σ_rows dy ⊙ x · r
  if (dx) {
    rows(ex, N, 16, [&](int64_t b, int64_t e) {
      for (int64_t n = b; n < e; ++n) {
        const float *xr = x + n * C, *dyr = dy + n * C;
        float r = rstd[n], dot = 0.f;
        for (int64_t c = 0; c < C; ++c) dot += w[c] * dyr[c] * xr[c];
        float k = r * r * r * dot / static_cast<float>(C);
        float* dxr = dx + n * C;
        for (int64_t c = 0; c < C; ++c) {
          float v = r * w[c] * dyr[c] - k * xr[c];
          dxr[c] = accumulate ? dxr[c] + v : v;
        }
      }
    });
  }
  if (dw) {
    rows(ex, C, 64, [&](int64_t b, int64_t e) {
      for (int64_t n = 0; n < N; ++n) {
        const float *xr = x + n * C, *dyr = dy + n * C;
        float r = rstd[n];
        for (int64_t c = b; c < e; ++c) dw[c] += dyr[c] * xr[c] * r;
      }
    });
  }
}

void rope_inv_freq(float* inv_freq, int64_t HD, float theta, const RopeScaling& s) {
  const double kPi = 3.14159265358979323846;
  for (int64_t i = 0; i < HD / 2; ++i) {
    // transformers: 1.0 / (base ** (arange(0, dim, 2).float() / dim)), all in f32
    float e = static_cast<float>(2 * i) / static_cast<float>(HD);
    float f = 1.0f / std::pow(theta, e);
    if (s.kind == RopeScaling::Kind::linear) {
      f = f / s.factor;
    } else if (s.kind == RopeScaling::Kind::llama3) {
      float wavelen = static_cast<float>(2.0 * kPi) / f;
      float lo_wl = s.original_max_position / s.low_freq_factor, hi_wl = s.original_max_position / s.high_freq_factor;
      if (wavelen < hi_wl) {
        // high frequency: unchanged
      } else if (wavelen > lo_wl) {
        f = f / s.factor;
      } else {
        float sm = (s.original_max_position / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
        f = (1.0f - sm) * f / s.factor + sm * f;
      }
    }
    inv_freq[i] = f;
  }
}

void rope_table(float* cos_t, float* sin_t, const float* inv_freq, int64_t HD, int64_t P) {
  int64_t half = HD / 2;
  for (int64_t p = 0; p < P; ++p)
    for (int64_t i = 0; i < half; ++i) {
      float a = static_cast<float>(p) * inv_freq[i];  // f32 angle, as transformers' f32 matmul of positions x inv_freq
      cos_t[p * half + i] = static_cast<float>(std::cos(static_cast<double>(a)));
      sin_t[p * half + i] = static_cast<float>(std::sin(static_cast<double>(a)));
    }
}

namespace {
Status rope_apply(float* y, const float* x, const int32_t* pos, const float* cos_t, const float* sin_t, int64_t T,
                  int64_t NHX, int64_t HD, int64_t P, float sign, const Exec& ex) {
  if (HD % 2 != 0) return Status::invalid("rope: head_dim must be even");
  for (int64_t t = 0; t < T; ++t)
    if (pos[t] < 0 || pos[t] >= P)
      return Status::invalid("rope: position " + std::to_string(pos[t]) + " at row " + std::to_string(t) +
                             " is outside the table (" + std::to_string(P) + " positions)");
  int64_t half = HD / 2;
  rows(ex, T, 4, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const float* c = cos_t + pos[t] * half;
      const float* s = sin_t + pos[t] * half;
      for (int64_t h = 0; h < NHX; ++h) {
        const float* xr = x + (t * NHX + h) * HD;
        float* yr = y + (t * NHX + h) * HD;
        for (int64_t i = 0; i < half; ++i) {
          float x1 = xr[i], x2 = xr[i + half], sn = sign * s[i];
          yr[i] = x1 * c[i] - x2 * sn;
          yr[i + half] = x2 * c[i] + x1 * sn;
        }
      }
    }
  });
  return Status::Ok();
}
}  // namespace

Status rope_forward(float* y, const float* x, const int32_t* pos, const float* cos_t, const float* sin_t, int64_t T,
                    int64_t NHX, int64_t HD, int64_t P, const Exec& ex) {
  return rope_apply(y, x, pos, cos_t, sin_t, T, NHX, HD, P, 1.0f, ex);
}

Status rope_backward(float* dx, const float* dy, const int32_t* pos, const float* cos_t, const float* sin_t, int64_t T,
                     int64_t NHX, int64_t HD, int64_t P, const Exec& ex) {
  return rope_apply(dx, dy, pos, cos_t, sin_t, T, NHX, HD, P, -1.0f, ex);
}

void swiglu_forward(float* h, const float* g, const float* u, int64_t N, const Exec& ex) {
  const auto fn = kernels(ex.isa).swiglu_fwd;
  rows(ex, N, 4096, [&](int64_t b, int64_t e) { fn(h + b, g + b, u + b, e - b); });
}

void swiglu_backward(float* dg, float* du, const float* dh, const float* g, const float* u, int64_t N, const Exec& ex) {
  const auto fn = kernels(ex.isa).swiglu_bwd;
  rows(ex, N, 4096, [&](int64_t b, int64_t e) { fn(dg + b, du + b, dh + b, g + b, u + b, e - b); });
}

void add(float* y, const float* a, const float* b, int64_t n, const Exec& ex) {
  rows(ex, n, 1 << 14, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) y[i] = a[i] + b[i];
  });
}
void add_inplace(float* y, const float* a, int64_t n, const Exec& ex) {
  rows(ex, n, 1 << 14, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) y[i] += a[i];
  });
}
void scale(float* y, float s, int64_t n, const Exec& ex) {
  rows(ex, n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] *= s;
  });
}
void fill(float* y, float v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = v;
}

}  // namespace lathe::cpu
