// NF4 quantization and scalar dequantization, following bitsandbytes' CUDA kernels step by step so codes match bit for bit.
#include "quant/nf4.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "quant/bf16.h"

namespace lathe::quant {

const float kNf4Codebook[16] = {-1.0f,
                                -0.6961928009986877f,
                                -0.5250730514526367f,
                                -0.39491748809814453f,
                                -0.28444138169288635f,
                                -0.18477343022823334f,
                                -0.09105003625154495f,
                                0.0f,
                                0.07958029955625534f,
                                0.16093020141124725f,
                                0.24611230194568634f,
                                0.33791524171829224f,
                                0.44070982933044434f,
                                0.5626170039176941f,
                                0.7229568362236023f,
                                1.0f};

// bitsandbytes csrc/kernels.cu dQuantizeNF4: thresholds are the float literals of its tree (midpoints between codes);
// a value equal to a threshold takes the lower code; NaN falls through every test to code 0.
uint8_t nf4_quantize_value(float x) {
  if (x > 0.03979014977812767f) {
    if (x > 0.3893125355243683f) {
      if (x > 0.6427869200706482f) return x > 0.8614784181118011f ? 0b1111 : 0b1110;
      return x > 0.5016634166240692f ? 0b1101 : 0b1100;
    }
    if (x > 0.2035212516784668f) return x > 0.2920137718319893f ? 0b1011 : 0b1010;
    return x > 0.1202552504837513f ? 0b1001 : 0b1000;
  }
  if (x > -0.33967943489551544f) {
    if (x > -0.13791173323988914f) return x > -0.045525018125772476f ? 0b0111 : 0b0110;
    return x > -0.23460740596055984f ? 0b0101 : 0b0100;
  }
  if (x > -0.6106329262256622f) return x > -0.4599952697753906f ? 0b0011 : 0b0010;
  return x > -0.8480964004993439f ? 0b0001 : 0b0000;
}

namespace {

// torch.linspace(start, end, steps) for float32 on CPU (scalar formula: symmetric from both ends).
void linspace_f32(float* out, float start, float end, int steps) {
  float step = (end - start) / static_cast<float>(steps - 1);
  int halfway = steps / 2;
  for (int i = 0; i < steps; ++i)
    out[i] = i < halfway ? start + step * static_cast<float>(i) : end - step * static_cast<float>(steps - i - 1);
}

// bitsandbytes functional.create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8) in float32 arithmetic.
struct DynamicMap {
  float v[256];
  DynamicMap() {
    std::vector<float> data;
    const int max_exp = 7, non_sign_bits = 7;
    for (int i = 0; i < max_exp; ++i) {
      int items = (1 << (i + non_sign_bits - max_exp)) + 1;
      std::vector<float> b(items);
      linspace_f32(b.data(), 0.1f, 1.0f, items);
      float p = static_cast<float>(std::pow(10.0, static_cast<double>(-(max_exp - 1) + i)));
      for (int j = 0; j + 1 < items; ++j) {
        float mean = (b[j] + b[j + 1]) / 2.0f;
        data.push_back(p * mean);
        data.push_back(-p * mean);
      }
    }
    data.push_back(0.0f);
    data.push_back(1.0f);
    while (data.size() < 256) data.push_back(0.0f);
    std::sort(data.begin(), data.end());
    std::copy(data.begin(), data.begin() + 256, v);
  }
};

}  // namespace

const float* dynamic_map_signed() {
  static const DynamicMap map;
  return map.v;
}

// bitsandbytes dQuantize<STOCHASTIC=0>: 7-step binary search from pivot 127, then the midpoint rule.
uint8_t dynamic_quantize_value(const float* code, float x) {
  int pivot = 127, upper_pivot = 255, lower_pivot = 0;
  float lower = -1.0f, upper = 1.0f;
  float val = code[pivot];
  for (int i = 64; i > 0; i >>= 1) {
    if (x > val) {
      lower_pivot = pivot;
      lower = val;
      pivot += i;
    } else {
      upper_pivot = pivot;
      upper = val;
      pivot -= i;
    }
    val = code[pivot];
  }
  if (upper_pivot == 255) upper = code[upper_pivot];
  if (lower_pivot == 0) lower = code[lower_pivot];
  if (x > val) {
    float midpoint = (upper + val) * 0.5f;
    return static_cast<uint8_t>(x > midpoint ? upper_pivot : pivot);
  }
  float midpoint = (lower + val) * 0.5f;
  return static_cast<uint8_t>(x < midpoint ? lower_pivot : pivot);
}

float Nf4View::block_absmax(int64_t b) const {
  if (absmax) return absmax[b];
  float t = dynamic_map_signed()[absmax_q[b]] * absmax_scale[b / kNf4AbsmaxBlock];
  return t + absmax_offset;
}

Nf4View Nf4Tensor::view() const {
  Nf4View v;
  v.packed = packed.data();
  v.rows = rows;
  v.cols = cols;
  if (double_quant) {
    v.absmax_q = absmax_q.data();
    v.absmax_scale = absmax_scale.data();
    v.absmax_offset = absmax_offset;
  } else {
    v.absmax = absmax.data();
  }
  return v;
}

int64_t Nf4Tensor::bytes() const {
  return static_cast<int64_t>(packed.size() + absmax.size() * sizeof(float) + absmax_q.size() +
                              absmax_scale.size() * sizeof(float));
}

namespace {

template <typename Load>
Status quantize_impl(uint8_t* packed, float* absmax, int64_t n, Load load) {
  if (n < 0 || (n > 0 && (!packed || !absmax))) return Status::invalid("nf4_quantize: null buffer or negative size");
  float vals[kNf4Block];
  int64_t nb = nf4_num_blocks(n);
  for (int64_t b = 0; b < nb; ++b) {
    int64_t b0 = b * kNf4Block, len = std::min(kNf4Block, n - b0);
    float amax = 0.f;
    for (int64_t i = 0; i < len; ++i) {
      vals[i] = load(b0 + i);
      amax = std::max(amax, std::fabs(vals[i]));  // fmax-like: NaN inputs do not poison absmax (CUB Max differs only on NaN)
    }
    absmax[b] = amax;
    float inv = 1.0f / amax;  // bitsandbytes multiplies by the reciprocal; absmax 0 gives NaN -> code 0, dequant 0
    for (int64_t i = 0; i < len; ++i) {
      int64_t idx = b0 + i;
      uint8_t q = nf4_quantize_value(vals[i] * inv);
      uint8_t& byte = packed[idx >> 1];
      if ((idx & 1) == 0) byte = static_cast<uint8_t>(q << 4);
      else byte = static_cast<uint8_t>(byte | q);
    }
  }
  return Status::Ok();
}

}  // namespace

Status nf4_quantize_f32(uint8_t* packed, float* absmax, const float* w, int64_t n) {
  return quantize_impl(packed, absmax, n, [w](int64_t i) { return w[i]; });
}

Status nf4_quantize_bf16(uint8_t* packed, float* absmax, const uint16_t* w, int64_t n) {
  return quantize_impl(packed, absmax, n, [w](int64_t i) { return bf16_to_f32(w[i]); });
}

Status nf4_double_quantize(uint8_t* absmax_q, float* absmax_scale, float* offset, const float* absmax, int64_t nb) {
  if (nb <= 0 || !absmax_q || !absmax_scale || !offset || !absmax)
    return Status::invalid("nf4_double_quantize: empty input or null buffer");
  double sum = 0;
  for (int64_t i = 0; i < nb; ++i) sum += absmax[i];
  float mean = static_cast<float>(sum / static_cast<double>(nb));
  *offset = mean;
  const float* code = dynamic_map_signed();
  for (int64_t b0 = 0, blk = 0; b0 < nb; b0 += kNf4AbsmaxBlock, ++blk) {
    int64_t len = std::min(kNf4AbsmaxBlock, nb - b0);
    float amax = 0.f;
    for (int64_t i = 0; i < len; ++i) amax = std::max(amax, std::fabs(absmax[b0 + i] - mean));
    absmax_scale[blk] = amax;
    float inv = 1.0f / amax;
    for (int64_t i = 0; i < len; ++i) absmax_q[b0 + i] = dynamic_quantize_value(code, (absmax[b0 + i] - mean) * inv);
  }
  return Status::Ok();
}

Status nf4_quantize(Nf4Tensor* out, const float* w_f32, const uint16_t* w_bf16, int64_t rows, int64_t cols,
                    bool double_quant) {
  if (!out || (!w_f32) == (!w_bf16) || rows <= 0 || cols <= 0)
    return Status::invalid("nf4_quantize: need exactly one source and positive dims");
  int64_t n = rows * cols, nb = nf4_num_blocks(n);
  out->rows = rows;
  out->cols = cols;
  out->double_quant = double_quant;
  out->packed.assign(nf4_packed_bytes(n), 0);
  std::vector<float> absmax(nb);
  LATHE_RETURN_IF_ERROR(w_f32 ? nf4_quantize_f32(out->packed.data(), absmax.data(), w_f32, n)
                              : nf4_quantize_bf16(out->packed.data(), absmax.data(), w_bf16, n));
  if (double_quant) {
    out->absmax_q.assign(nb, 0);
    out->absmax_scale.assign(nf4_num_absmax_scales(nb), 0.f);
    LATHE_RETURN_IF_ERROR(
        nf4_double_quantize(out->absmax_q.data(), out->absmax_scale.data(), &out->absmax_offset, absmax.data(), nb));
    out->absmax.clear();
  } else {
    out->absmax = std::move(absmax);
    out->absmax_q.clear();
    out->absmax_scale.clear();
  }
  return Status::Ok();
}

void nf4_dequantize_range(float* dst, const Nf4View& w, int64_t begin, int64_t end) {
  int64_t cur_block = -1;
  float amax = 0.f;
  for (int64_t i = begin; i < end; ++i) {
    int64_t b = i / kNf4Block;
    if (b != cur_block) {
      cur_block = b;
      amax = w.block_absmax(b);
    }
    uint8_t byte = w.packed[i >> 1];
    uint8_t q = (i & 1) ? (byte & 0x0f) : (byte >> 4);
    dst[i - begin] = kNf4Codebook[q] * amax;
  }
}

}  // namespace lathe::quant
