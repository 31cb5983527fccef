// Quantization tests: NF4 codes (incl. midpoints, zeros, all-equal blocks), packing order, round-trip bounds,
// double quantization, int8 codes, bf16/f16 conversions.
#include <algorithm>
#include <cstring>

#include "harness.h"
#include "quant/bf16.h"
#include "quant/int8.h"
#include "quant/nf4.h"

namespace lathe::test {

using namespace lathe::quant;

// Independent reference: nearest code, with the midpoint computed in double; ties to the lower code.
static int nearest_code(double x) {
  int best = 0;
  for (int i = 1; i < 16; ++i) {
    double mid = (static_cast<double>(kNf4Codebook[i - 1]) + kNf4Codebook[i]) / 2;
    if (x > mid) best = i;
  }
  return best;
}

void run_quant_tests(Harness& h) {
  // Each code value maps to itself.
  bool ok = true;
  for (int i = 0; i < 16; ++i) ok &= nf4_quantize_value(kNf4Codebook[i]) == i;
  h.check(ok, "nf4: every codebook value maps to its own code");

  // Exactly at each tree threshold -> lower code; the next float up -> upper code.
  const float thr[15] = {-0.8480964004993439f, -0.6106329262256622f, -0.4599952697753906f, -0.33967943489551544f,
                         -0.23460740596055984f, -0.13791173323988914f, -0.045525018125772476f, 0.03979014977812767f,
                         0.1202552504837513f, 0.2035212516784668f, 0.2920137718319893f, 0.3893125355243683f,
                         0.5016634166240692f, 0.6427869200706482f, 0.8614784181118011f};
  ok = true;
  std::string det;
  for (int i = 0; i < 15; ++i) {
    int at = nf4_quantize_value(thr[i]), above = nf4_quantize_value(std::nextafter(thr[i], 2.f));
    int below = nf4_quantize_value(std::nextafter(thr[i], -2.f));
    if (at != i || above != i + 1 || below != i) {
      ok = false;
      det += "thr" + std::to_string(i) + " at=" + std::to_string(at) + " above=" + std::to_string(above) + " ";
    }
    // thresholds are the midpoints between neighbouring codes (to f32 precision)
    double mid = (static_cast<double>(kNf4Codebook[i]) + kNf4Codebook[i + 1]) / 2;
    if (std::fabs(mid - thr[i]) > 1e-7) {
      ok = false;
      det += "mid" + std::to_string(i) + " ";
    }
  }
  h.check(ok, "nf4: values at/around midpoints take the bitsandbytes side", det);

  // Random values agree with the nearest-code reference (away from the threshold floats).
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  ok = true;
  for (int i = 0; i < 200000; ++i) {
    float x = u(rng);
    if (nf4_quantize_value(x) != nearest_code(x)) {
      bool near_thr = false;
      for (float t : thr) near_thr |= std::fabs(x - t) < 1e-7f;
      if (!near_thr) ok = false;
    }
  }
  h.check(ok, "nf4: decision tree == nearest code on 200k random values");
  h.check(nf4_quantize_value(0.f) == 7 && nf4_quantize_value(-0.f) == 7, "nf4: zero maps to code 7 (exact 0.0)");
  h.check(nf4_quantize_value(NAN) == 0, "nf4: NaN falls to code 0 like the CUDA tree");

  // Packing: element 2j high nibble, 2j+1 low nibble; block absmax; specific codes.
  {
    std::vector<float> w(128, 0.f);
    w[0] = 1.0f;    // code 15 (absmax of block 0 = 1)
    w[1] = -1.0f;   // code 0
    w[2] = 0.0f;    // code 7
    w[3] = 0.5626170039176941f;  // code 13
    w[4] = -0.39491748809814453f;  // code 3
    for (int i = 64; i < 128; ++i) w[i] = 2.5f;  // all-equal block: every value is absmax -> code 15
    std::vector<uint8_t> packed(64);
    std::vector<float> absmax(2);
    Status st = nf4_quantize_f32(packed.data(), absmax.data(), w.data(), 128);
    bool pk = st.ok() && packed[0] == 0xF0 && packed[1] == 0x7D && (packed[2] >> 4) == 3 && absmax[0] == 1.0f &&
              absmax[1] == 2.5f && packed[32] == 0xFF && packed[63] == 0xFF && (packed[2] & 0xF) == 7;
    h.check(pk, "nf4: packing order (2j high nibble) and block absmax",
            "bytes " + std::to_string(packed[0]) + "," + std::to_string(packed[1]));
    std::vector<float> back(128);
    Nf4View v;
    v.packed = packed.data();
    v.absmax = absmax.data();
    v.rows = 2;
    v.cols = 64;
    nf4_dequantize_range(back.data(), v, 0, 128);
    h.check(back[0] == 1.f && back[1] == -1.f && back[2] == 0.f && back[3] == 0.5626170039176941f && back[64] == 2.5f,
            "nf4: dequantize = code * absmax");
  }
  {
    // All-zero block: absmax 0 -> codes 0 (bitsandbytes: 0 * (1/0) = NaN -> 0), dequantizes to exact zeros.
    std::vector<float> w(64, 0.f), back(64, 1.f), absmax(1);
    std::vector<uint8_t> packed(32, 0xAA);
    nf4_quantize_f32(packed.data(), absmax.data(), w.data(), 64);
    Nf4View v;
    v.packed = packed.data();
    v.absmax = absmax.data();
    v.rows = 1;
    v.cols = 64;
    nf4_dequantize_range(back.data(), v, 0, 64);
    bool z = absmax[0] == 0.f && std::all_of(packed.begin(), packed.end(), [](uint8_t b) { return b == 0; }) &&
             std::all_of(back.begin(), back.end(), [](float x) { return x == 0.f; });
    h.check(z, "nf4: all-zero block -> absmax 0, codes 0, dequant 0");
  }

  // Round-trip bound: |w - deq| <= absmax * (largest half-gap between codes) on normal weights; also odd sizes.
  for (int64_t n : {int64_t(64 * 37), int64_t(1000), int64_t(130)}) {
    auto w = randn(rng, n, 0.02f);
    Nf4Tensor t;
    Status st = nf4_quantize(&t, w.data(), nullptr, 1, n, false);
    std::vector<float> back(n);
    nf4_dequantize_range(back.data(), t.view(), 0, n);
    double max_half_gap = 0;
    for (int i = 1; i < 16; ++i) max_half_gap = std::max(max_half_gap, (double(kNf4Codebook[i]) - kNf4Codebook[i - 1]) / 2);
    bool rt = st.ok();
    double mean_rel = 0;
    for (int64_t i = 0; i < n; ++i) {
      double a = t.absmax[i / 64];
      if (std::fabs(back[i] - w[i]) > a * max_half_gap * (1 + 1e-6)) rt = false;
      mean_rel += std::fabs(back[i] - w[i]) / a;
    }
    h.check(rt, "nf4: round-trip error <= absmax * max half-gap (n=" + std::to_string(n) + ")",
            "mean |err|/absmax=" + fmt(mean_rel / n));
  }

  // Dynamic map: 256 sorted values, 0 at 127, 1 at 255; exact values quantize to themselves.
  {
    const float* m = dynamic_map_signed();
    bool sorted = std::is_sorted(m, m + 256) && m[127] == 0.f && m[255] == 1.f && m[0] < -0.99f && m[0] > -1.f;
    bool self = true;
    for (int i = 0; i < 256; ++i) self &= dynamic_quantize_value(m, m[i]) == i;
    h.check(sorted && self, "dq: signed dynamic map shape and self-mapping");
    // largest positive value below 1.0 is 10^0 * mean of the last two linspace(0.1, 1, 65) points
    h.check(std::fabs(m[254] - (0.9859375f + 1.0f) / 2) < 1e-6f && std::fabs(m[128] - 1e-6f * 0.55f) < 1e-12f,
            "dq: dynamic map endpoints match create_dynamic_map", fmt(m[254]) + " " + fmt(m[128]));
  }
  // Double quant round trip of absmax.
  {
    int64_t nb = 600;
    std::vector<float> absmax(nb);
    std::uniform_real_distribution<float> ua(0.01f, 0.1f);
    for (auto& a : absmax) a = ua(rng);
    std::vector<uint8_t> q(nb);
    std::vector<float> sc(nf4_num_absmax_scales(nb));
    float off = 0;
    Status st = nf4_double_quantize(q.data(), sc.data(), &off, absmax.data(), nb);
    Nf4View v;
    v.absmax_q = q.data();
    v.absmax_scale = sc.data();
    v.absmax_offset = off;
    const float* m = dynamic_map_signed();
    double max_gap = 0;
    for (int i = 1; i < 256; ++i) max_gap = std::max(max_gap, double(m[i]) - m[i - 1]);
    bool rt = st.ok() && sc.size() == 3;
    double worst = 0;
    for (int64_t b = 0; b < nb; ++b) {
      double err = std::fabs(v.block_absmax(b) - absmax[b]);
      double bound = sc[b / 256] * max_gap / 2 * (1 + 1e-5) + 1e-7;
      worst = std::max(worst, err / absmax[b]);
      if (err > bound) rt = false;
    }
    h.check(rt, "dq: absmax round trip within half a map gap", "worst rel err " + fmt(worst));
    // A whole double-quantized NF4 weight dequantizes within the NF4 bound plus the absmax error.
    auto w = randn(rng, 64 * 300, 0.02f);
    Nf4Tensor plain, dq;
    nf4_quantize(&plain, w.data(), nullptr, 300, 64, false);
    nf4_quantize(&dq, w.data(), nullptr, 300, 64, true);
    std::vector<float> b1(w.size()), b2(w.size());
    nf4_dequantize_range(b1.data(), plain.view(), 0, w.size());
    nf4_dequantize_range(b2.data(), dq.view(), 0, w.size());
    bool same_codes = plain.packed == dq.packed;
    h.check(same_codes && rel_err(b2, b1, w.size()) < 0.01 && dq.bytes() < plain.bytes(),
            "dq: NF4 weight with double-quant absmax matches plain NF4 within 1%", fmt(rel_err(b2, b1, w.size())));
  }

  // int8 codes: scale = absmax/127, round half away from zero, row blocks of 64.
  {
    std::vector<float> w(2 * 70, 0.f);
    w[0] = 127.f;
    w[1] = -63.5f;
    w[2] = 0.49f;
    w[3] = -1.5f;
    w[64] = 2.54f;  // second block of row 0 (cols 64..69): scale 0.02
    w[65] = 1.3f;
    w[70] = -0.5f;  // row 1
    Int8Tensor t;
    Status st = int8_quantize(&t, w.data(), nullptr, 2, 70);
    bool ok8 = st.ok() && t.scales.size() == 4 && t.scales[0] == 1.f && t.q[0] == 127 && t.q[1] == -64 && t.q[2] == 0 &&
               t.q[3] == -2 && t.q[64] == 127 && t.q[65] == 65 && t.q[70] == -127 && t.scales[3] == 0.f &&
               std::fabs(t.scales[1] - 0.02f) < 1e-8f;
    h.check(ok8, "int8: codes, scales and row blocks",
            std::to_string(t.q[0]) + "," + std::to_string(t.q[1]) + "," + std::to_string(t.q[65]));
    auto r = randn(rng, 33 * 200, 1.f);
    Int8Tensor t2;
    int8_quantize(&t2, r.data(), nullptr, 33, 200);
    std::vector<float> row(200);
    bool bound = true;
    for (int64_t i = 0; i < 33; ++i) {
      int8_dequantize_row(row.data(), t2.view(), i, 0, 200);
      for (int64_t c = 0; c < 200; ++c)
        if (std::fabs(row[c] - r[i * 200 + c]) > t2.scales[i * 4 + c / 64] * 0.5f * (1 + 1e-5f)) bound = false;
    }
    h.check(bound, "int8: round-trip error <= scale/2");
  }

  // bf16 round to nearest even; f16 decode.
  {
    auto bits = [](float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; };
    auto fromb = [](uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; };
    bool b = f32_to_bf16(1.0f) == 0x3f80 && f32_to_bf16(fromb(0x3f808000)) == 0x3f80 &&  // tie -> even (down)
             f32_to_bf16(fromb(0x3f818000)) == 0x3f82 &&                                   // tie -> even (up)
             f32_to_bf16(fromb(0x3f808001)) == 0x3f81 && f32_to_bf16(-2.0f) == 0xc000 &&
             std::isnan(bf16_to_f32(f32_to_bf16(NAN))) && f32_to_bf16(INFINITY) == 0x7f80 &&
             f32_to_bf16(fromb(0x7f7fffff)) == 0x7f80 && bits(bf16_to_f32(0x3f81)) == 0x3f810000u;
    h.check(b, "bf16: round-to-nearest-even, NaN, inf, overflow");
    bool f = f16_to_f32(0x3c00) == 1.0f && f16_to_f32(0x0001) == std::ldexp(1.f, -24) && f16_to_f32(0xc000) == -2.f &&
             std::isinf(f16_to_f32(0x7c00)) && std::isnan(f16_to_f32(0x7e00)) && f16_to_f32(0x03ff) == std::ldexp(1023.f, -24) &&
             f16_to_f32(0x7bff) == 65504.f;
    h.check(f, "f16: decode normals, subnormals, inf, NaN");
  }
}

}  // namespace lathe::test
