// NF4 4-bit NormalFloat quantization, bitsandbytes-identical (formats.md §8): codebook, block-64 absmax, decision-tree
// rounding, high-nibble-first packing, and double quantization of the absmax (8-bit dynamic map, blocks of 256).
#pragma once
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace lathe::quant {

inline constexpr int64_t kNf4Block = 64;        // weights per absmax
inline constexpr int64_t kNf4AbsmaxBlock = 256;  // absmax values per double-quant scale

// The 16 NF4 code values, index = 4-bit code.
extern const float kNf4Codebook[16];
// bitsandbytes' signed 8-bit dynamic map (create_dynamic_map(signed=True)), sorted ascending; used for double quant.
const float* dynamic_map_signed();

// bitsandbytes dQuantizeNF4: x is already normalised (x * (1/absmax)); NaN maps to code 0 like the CUDA tree.
uint8_t nf4_quantize_value(float x);
// bitsandbytes dQuantize<0> against the sorted 256-entry map: nearest code via its binary search + midpoint rule.
uint8_t dynamic_quantize_value(const float* map256, float x);

// Read-only view of an NF4 weight as the kernels consume it. The weight is the row-major [rows, cols] matrix
// (torch [out, in]) flattened to n = rows*cols values; block b covers values [64b, 64b+64).
struct Nf4View {
  const uint8_t* packed = nullptr;  // (ceil(n/2)) byte j: value 2j in the high nibble, 2j+1 in the low nibble
  int64_t rows = 0, cols = 0;
  // absmax per block, exactly one representation:
  const float* absmax = nullptr;          // (nb) fp32 absmax, when not double quantized
  const uint8_t* absmax_q = nullptr;      // (nb) dynamic-map codes of (absmax - offset), when double quantized
  const float* absmax_scale = nullptr;    // (ceil(nb/256)) per-256-block absmax of (absmax - offset)
  float absmax_offset = 0.f;              // mean of the fp32 absmax values
  int64_t n() const { return rows * cols; }
  int64_t num_blocks() const { return (n() + kNf4Block - 1) / kNf4Block; }
  // absmax of block b (double-quant decoded on the fly: map[q] * scale + offset, computed in f32 like bitsandbytes)
  float block_absmax(int64_t b) const;
};

// Owning NF4 tensor (vectors); view() hands the kernels their view.
struct Nf4Tensor {
  int64_t rows = 0, cols = 0;
  bool double_quant = false;
  std::vector<uint8_t> packed;
  std::vector<float> absmax;        // when !double_quant
  std::vector<uint8_t> absmax_q;    // when double_quant
  std::vector<float> absmax_scale;  // when double_quant
  float absmax_offset = 0.f;
  Nf4View view() const;
  int64_t bytes() const;  // storage bytes (what the memory plan counts)
};

// Sizes for callers that place NF4 data in their own arena.
inline int64_t nf4_packed_bytes(int64_t n) { return (n + 1) / 2; }
inline int64_t nf4_num_blocks(int64_t n) { return (n + kNf4Block - 1) / kNf4Block; }
inline int64_t nf4_num_absmax_scales(int64_t nb) { return (nb + kNf4AbsmaxBlock - 1) / kNf4AbsmaxBlock; }

// Quantizes n values (f32) into caller buffers: packed (ceil(n/2)), absmax (nb).
Status nf4_quantize_f32(uint8_t* packed, float* absmax, const float* w, int64_t n);
// Same from bf16 storage (converted per block, no full f32 copy).
Status nf4_quantize_bf16(uint8_t* packed, float* absmax, const uint16_t* w, int64_t n);
// Double quantization of nb absmax values: offset = mean, then blockwise (256) dynamic 8-bit of (absmax - offset).
Status nf4_double_quantize(uint8_t* absmax_q, float* absmax_scale, float* offset, const float* absmax, int64_t nb);

// Convenience: quantize an [rows, cols] weight (f32 or bf16 source; exactly one non-null) into an owning tensor.
Status nf4_quantize(Nf4Tensor* out, const float* w_f32, const uint16_t* w_bf16, int64_t rows, int64_t cols,
                    bool double_quant);

// Scalar dequantization of values [begin, end) of the flattened weight into dst (end-begin floats).
void nf4_dequantize_range(float* dst, const Nf4View& w, int64_t begin, int64_t end);

}  // namespace lathe::quant
