// Reads one element W[r, c] of a frozen weight stored in one uint buffer `w`, dequantizing it on the spot (the GEMM
// tile loads call this, so no whole-weight f32 copy ever exists). Needs, before the include:
//   layout(constant_id = 0) const uint DTYPE   0 f32, 1 bf16, 2 nf4, 3 int8
//   layout(constant_id = 3) const uint NF4_DQ  1 = double-quantized absmax
//   a buffer `w` (uint words) and the struct WDesc below filled from push constants.
// Device layout of each dtype (word offsets into w, written by ops_matmul.cc upload_weight):
//   f32  : o0 = data (row stride ld floats)
//   bf16 : o0 = data, two values per word, element 2i in the low half (little-endian host layout)
//   int8 : o0 = codes, four per word, low byte first; o1 = f32 scales (rows, ceil(cols/64))
//   nf4  : o0 = packed bytes as the host holds them (byte j: value 2j high nibble); o3 = 16 f32 codebook values then
//          the 256-entry signed dynamic map; absmax either f32 at o1 (NF4_DQ 0) or 8-bit codes at o1 with f32
//          per-256-block scales at o2 and the offset `aoff` (NF4_DQ 1), decoded exactly like Nf4View::block_absmax.

struct WDesc {
  uint ld;    // f32: row stride in floats; others: cols
  uint cols;  // columns of the stored matrix (IN)
  uint o0, o1, o2, o3;
  float aoff;
};

uint dq_byte(uint base, uint j) { return (w[base + (j >> 2)] >> ((j & 3u) * 8u)) & 0xffu; }

float dq_weight(WDesc d, uint r, uint c) {
  if (DTYPE == 0u) return uintBitsToFloat(w[d.o0 + r * d.ld + c]);
  if (DTYPE == 1u) {
    uint e = r * d.cols + c;
    uint word = w[d.o0 + (e >> 1)];
    uint h = (e & 1u) != 0u ? (word >> 16) : (word & 0xffffu);
    return uintBitsToFloat(h << 16);
  }
  if (DTYPE == 3u) {
    uint e = r * d.cols + c;
    int q = bitfieldExtract(int(w[d.o0 + (e >> 2)]), int((e & 3u) * 8u), 8);
    uint bpr = (d.cols + 63u) / 64u;
    return float(q) * uintBitsToFloat(w[d.o1 + r * bpr + c / 64u]);
  }
  // nf4
  uint e = r * d.cols + c;
  uint byte = dq_byte(d.o0, e >> 1);
  uint nib = (e & 1u) != 0u ? (byte & 15u) : (byte >> 4);
  uint b = e / 64u;
  precise float amax;
  if (NF4_DQ == 0u) {
    amax = uintBitsToFloat(w[d.o1 + b]);
  } else {
    // map[q] * scale, rounded to f32, then + offset: two roundings like the host (precise forbids an fma here)
    precise float t = uintBitsToFloat(w[d.o3 + 16u + dq_byte(d.o1, b)]) * uintBitsToFloat(w[d.o2 + b / 256u]);
    amax = t + d.aoff;
  }
  return uintBitsToFloat(w[d.o3 + nib]) * amax;
}
