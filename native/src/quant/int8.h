// int8 weight quantization: per-row blocks of 64 along the input dimension, scale = absmax/127, q = round(x/scale).
#pragma once
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace lathe::quant {

inline constexpr int64_t kInt8Block = 64;

// Read-only view: q is the row-major [rows, cols] int8 matrix; scales has ceil(cols/64) entries per row.
struct Int8View {
  const int8_t* q = nullptr;      // (rows, cols)
  const float* scales = nullptr;  // (rows, blocks_per_row)
  int64_t rows = 0, cols = 0;
  int64_t blocks_per_row() const { return (cols + kInt8Block - 1) / kInt8Block; }
};

struct Int8Tensor {
  int64_t rows = 0, cols = 0;
  std::vector<int8_t> q;
  std::vector<float> scales;
  Int8View view() const { return Int8View{q.data(), scales.data(), rows, cols}; }
  int64_t bytes() const { return static_cast<int64_t>(q.size() + scales.size() * sizeof(float)); }
};

inline int64_t int8_num_scales(int64_t rows, int64_t cols) { return rows * ((cols + kInt8Block - 1) / kInt8Block); }

// Quantizes into caller buffers q (rows*cols) and scales (rows*blocks_per_row). Exactly one source non-null.
// Rounding: nearest, ties away from zero (std::round); an all-zero block gets scale 0 and codes 0.
Status int8_quantize(int8_t* q, float* scales, const float* w_f32, const uint16_t* w_bf16, int64_t rows, int64_t cols);
Status int8_quantize(Int8Tensor* out, const float* w_f32, const uint16_t* w_bf16, int64_t rows, int64_t cols);

// Scalar dequantization of row r, columns [c0, c1), into dst.
void int8_dequantize_row(float* dst, const Int8View& w, int64_t r, int64_t c0, int64_t c1);

}  // namespace lathe::quant
