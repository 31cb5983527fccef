// int8 block quantization (row blocks of 64, absmax/127 scales) and its scalar dequantization.
#include "quant/int8.h"

#include <algorithm>
#include <cmath>

#include "quant/bf16.h"

namespace lathe::quant {

Status int8_quantize(int8_t* q, float* scales, const float* w_f32, const uint16_t* w_bf16, int64_t rows, int64_t cols) {
  if (!q || !scales || (!w_f32) == (!w_bf16) || rows <= 0 || cols <= 0)
    return Status::invalid("int8_quantize: need exactly one source, output buffers and positive dims");
  int64_t bpr = (cols + kInt8Block - 1) / kInt8Block;
  float vals[kInt8Block];
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t blk = 0; blk < bpr; ++blk) {
      int64_t c0 = blk * kInt8Block, len = std::min(kInt8Block, cols - c0);
      float amax = 0.f;
      for (int64_t i = 0; i < len; ++i) {
        int64_t idx = r * cols + c0 + i;
        vals[i] = w_f32 ? w_f32[idx] : bf16_to_f32(w_bf16[idx]);
        amax = std::max(amax, std::fabs(vals[i]));
      }
      float scale = amax / 127.0f;
      scales[r * bpr + blk] = scale;
      float inv = scale > 0.f ? 1.0f / scale : 0.f;
      for (int64_t i = 0; i < len; ++i) {
        float v = std::round(vals[i] * inv);
        v = std::min(127.f, std::max(-127.f, v));  // guards rounding just past ±127
        if (std::isnan(vals[i])) v = 0.f;
        q[r * cols + c0 + i] = static_cast<int8_t>(v);
      }
    }
  }
  return Status::Ok();
}

Status int8_quantize(Int8Tensor* out, const float* w_f32, const uint16_t* w_bf16, int64_t rows, int64_t cols) {
  if (!out || rows <= 0 || cols <= 0) return Status::invalid("int8_quantize: bad arguments");
  out->rows = rows;
  out->cols = cols;
  out->q.assign(rows * cols, 0);
  out->scales.assign(int8_num_scales(rows, cols), 0.f);
  return int8_quantize(out->q.data(), out->scales.data(), w_f32, w_bf16, rows, cols);
}

void int8_dequantize_row(float* dst, const Int8View& w, int64_t r, int64_t c0, int64_t c1) {
  int64_t bpr = w.blocks_per_row();
  const int8_t* q = w.q + r * w.cols;
  const float* s = w.scales + r * bpr;
  for (int64_t c = c0; c < c1; ++c) dst[c - c0] = static_cast<float>(q[c]) * s[c / kInt8Block];
}

}  // namespace lathe::quant
