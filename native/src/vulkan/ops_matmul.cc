// Vulkan GEMM drivers (tiled FMA shader gemm.comp, dequantizing in its tile load) and the linear layer with bias and
// LoRA built from them, recorded in the same order as cpu/matmul.cc so the two agree op for op.
#include "vulkan/ops_matmul.h"

#include <cmath>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "quant/nf4.h"

namespace lathe::vk {

namespace detail {
// ops_matmul_coopmat_probe.cc: does the driver list the cooperative-matrix shape gemm_coopmat_nv.comp uses?
bool coopmat_nv_has_gemm_shape(Context& ctx, std::string* why);
}  // namespace detail

namespace {

// Must match the push-constant block of gemm.comp (16 scalars, std430).
struct GemmPush {
  uint32_t M, N, K;
  uint32_t lda, ldc, a_off, c_off;
  uint32_t wld, wcols, o0, o1, o2, o3;
  float aoff, alpha;
  uint32_t accumulate;
};
static_assert(sizeof(GemmPush) == 64);

uint32_t dtype_code(DType t) {
  switch (t) {
    case DType::bf16: return 1;
    case DType::nf4: return 2;
    case DType::int8: return 3;
    default: return 0;
  }
}

bool fits_u32(uint64_t v) { return v <= 0xffffffffull; }

// Contexts whose self-check passed (see enable_coopmat_gemm). A set keyed by address rather than a Context member so
// the runtime stays independent of the GEMM kernels.
std::mutex g_coopmat_mu;
std::set<const Context*> g_coopmat_on;
constexpr int64_t kCoopmatMinRows = 32;  // below this the 64-row tiles are mostly padding: the FMA kernel is as fast

Status check_weight(const DeviceWeight& w) {
  if (!w.words.buf || w.out <= 0 || w.in <= 0) return Status::invalid("vulkan gemm: weight without device data or dims");
  if (w.dtype != DType::f32 && w.dtype != DType::bf16 && w.dtype != DType::nf4 && w.dtype != DType::int8)
    return Status::error(status_code::unsupported, std::string("vulkan gemm: weight dtype ") + dtype_name(w.dtype) +
                                                       " is not supported");
  if (!fits_u32(static_cast<uint64_t>(w.out) * static_cast<uint64_t>(w.in)))
    return Status::error(status_code::unsupported, "vulkan gemm: weight has more than 2^32 elements");
  return Status::Ok();
}

// One dispatch of gemm.comp: C (M, N) = alpha * opA · opB (+C).
Status record_gemm(Context& ctx, Recorder& rec, DMat C, DMat A, const DeviceWeight& W, int64_t M, int64_t N, int64_t K,
                   bool b_nn, bool a_t, float alpha, bool accumulate) {
  LATHE_RETURN_IF_ERROR(check_weight(W));
  if (M < 0 || !C.view.buf || !A.view.buf) return Status::invalid("vulkan gemm: bad buffers");
  if (M == 0 || N == 0) return Status::Ok();
  if (!fits_u32(C.off + static_cast<uint64_t>(M) * C.ld) || !fits_u32(A.off + static_cast<uint64_t>(a_t ? K : M) * A.ld))
    return Status::error(status_code::unsupported, "vulkan gemm: matrix larger than 2^32 elements");
  if (M > 65535 * 64) return Status::error(status_code::unsupported, "vulkan gemm: more than 4M rows in one call");
  Pipeline* p = nullptr;
  const bool coop = M >= kCoopmatMinRows && coopmat_gemm_enabled(ctx);
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, coop ? "gemm_coopmat_nv" : "gemm", 3, sizeof(GemmPush),
                                     {dtype_code(W.dtype), b_nn ? 1u : 0u, a_t ? 1u : 0u, W.nf4_double_quant ? 1u : 0u}));
  GemmPush pc{};
  pc.M = uint32_t(M), pc.N = uint32_t(N), pc.K = uint32_t(K);
  pc.lda = uint32_t(A.ld), pc.ldc = uint32_t(C.ld), pc.a_off = uint32_t(A.off), pc.c_off = uint32_t(C.off);
  pc.wld = uint32_t(W.ld ? W.ld : W.in), pc.wcols = uint32_t(W.in);
  pc.o0 = W.o0, pc.o1 = W.o1, pc.o2 = W.o2, pc.o3 = W.o3;
  pc.aoff = W.absmax_offset, pc.alpha = alpha, pc.accumulate = accumulate ? 1u : 0u;
  rec.dispatch(*p, {C.view, A.view, W.words}, &pc, sizeof pc, groups(N, 64), groups(M, 64));
  return Status::Ok();
}

// Elementwise dispatches cover n items with 256-thread groups, in a 2D grid when n needs more than 65535 groups.
void grid(uint64_t n, uint32_t* gx, uint32_t* gy) {
  uint64_t g = (n + 255) / 256;
  *gx = uint32_t(g < 65535 ? (g ? g : 1) : 65535);
  *gy = uint32_t((g + *gx - 1) / *gx);
  if (*gy == 0) *gy = 1;
}

bool has_lora(const DeviceLora* l) { return l && l->r > 0; }

Status check_lora(const DeviceLora& l, int64_t T, int64_t IN) {
  if (!l.A.view.buf || !l.B.view.buf) return Status::invalid("vulkan matmul: LoRA branch without A or B");
  if (!(l.dropout >= 0.f && l.dropout < 1.f)) return Status::invalid("LoRA dropout must be in [0, 1)");
  if (l.dropout > 0.f && !fits_u32(static_cast<uint64_t>(T) * IN))
    return Status::error(status_code::unsupported, "vulkan LoRA dropout: more than 2^32 inputs in one call");
  return Status::Ok();
}

struct DropPush {
  uint32_t n, seed_lo, seed_hi;
  float p, inv;
  uint32_t y_off, x_off;
};

// MODE 0: y = drop(x); MODE 1: y += drop(x). The mask index is the flat (t * IN + i) index, so both matrices must be
// dense (ld == IN); a strided one is rejected rather than silently mis-hashed.
Status record_dropout(Context& ctx, Recorder& rec, DMat y, DMat x, int64_t T, int64_t IN, const DeviceLora& l,
                      uint32_t mode) {
  if (y.ld != IN || x.ld != IN)
    return Status::invalid("vulkan LoRA dropout: x and dx must be dense (T, IN) matrices (row stride IN)");
  Pipeline* p = nullptr;
  LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "matmul_dropout", 2, sizeof(DropPush), {mode}));
  uint64_t n = uint64_t(T) * IN;
  DropPush pc{uint32_t(n), uint32_t(l.seed & 0xffffffffu), uint32_t(l.seed >> 32), l.dropout, 1.0f / (1.0f - l.dropout),
              uint32_t(y.off), uint32_t(x.off)};
  uint32_t gx, gy;
  grid(n, &gx, &gy);
  rec.dispatch(*p, {y.view, x.view}, &pc, sizeof pc, gx, gy);
  return Status::Ok();
}

// Scratch carving: consecutive float ranges of the caller's scratch view.
struct Carver {
  DMat s;
  uint64_t used = 0;
  Status take(DMat* out, int64_t rows, int64_t cols) {
    uint64_t n = static_cast<uint64_t>(rows) * cols;
    if (!s.view.buf || (s.off + used + n) * 4 > s.view.size)
      return Status::invalid("vulkan matmul: scratch view too small (size it with matmul_*_scratch_floats)");
    *out = DMat{s.view, s.off + used, cols};
    used += n;
    return Status::Ok();
  }
};

}  // namespace

bool coopmat_gemm_enabled(const Context& ctx) {
  std::lock_guard<std::mutex> lock(g_coopmat_mu);
  return g_coopmat_on.count(&ctx) > 0;
}

void disable_coopmat_gemm(const Context& ctx) {
  std::lock_guard<std::mutex> lock(g_coopmat_mu);
  g_coopmat_on.erase(&ctx);
}

namespace {

// One self-check GEMM: C = A · W^T on both kernels; returns the relative difference (max abs / max abs of the FMA
// result) in *err.
Status coopmat_probe(Context& ctx, const cpu::WeightRef& w, int64_t M, double* err) {
  std::vector<float> a(M * w.in);
  uint32_t s = 12345u;
  for (float& x : a) x = float((s = s * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
  Buffer wb, ab, c0, c1;
  DeviceWeight dw;
  LATHE_RETURN_IF_ERROR(ctx.alloc(&wb, device_weight_bytes(w)));
  LATHE_RETURN_IF_ERROR(upload_weight(wb, 0, w, &dw));
  LATHE_RETURN_IF_ERROR(ctx.alloc(&ab, a.size() * 4));
  LATHE_RETURN_IF_ERROR(ab.upload(a.data(), a.size() * 4));
  LATHE_RETURN_IF_ERROR(ctx.alloc(&c0, M * w.out * 4));
  LATHE_RETURN_IF_ERROR(ctx.alloc(&c1, M * w.out * 4));
  Recorder rec(ctx);
  LATHE_RETURN_IF_ERROR(gemm_nt(ctx, rec, DMat{c0.view(), 0, w.out}, DMat{ab.view(), 0, w.in}, dw, M, 1.f, false));
  {
    std::lock_guard<std::mutex> lock(g_coopmat_mu);
    g_coopmat_on.insert(&ctx);
  }
  Status st = gemm_nt(ctx, rec, DMat{c1.view(), 0, w.out}, DMat{ab.view(), 0, w.in}, dw, M, 1.f, false);
  disable_coopmat_gemm(ctx);
  LATHE_RETURN_IF_ERROR(st);
  LATHE_RETURN_IF_ERROR(rec.submit());
  std::vector<float> r0(M * w.out), r1(M * w.out);
  LATHE_RETURN_IF_ERROR(c0.download(r0.data(), r0.size() * 4));
  LATHE_RETURN_IF_ERROR(c1.download(r1.data(), r1.size() * 4));
  double num = 0, den = 0;
  for (size_t i = 0; i < r0.size(); ++i) {
    double dif = std::fabs(double(r0[i]) - double(r1[i]));
    num = std::isnan(dif) ? INFINITY : std::max(num, dif);
    den = std::max(den, std::fabs(double(r0[i])));
  }
  *err = num / (den + 1e-30);
  return Status::Ok();
}

}  // namespace

Status enable_coopmat_gemm(Context& ctx) {
  disable_coopmat_gemm(ctx);  // the probe's reference GEMM must run on the FMA kernel
  const Caps& k = ctx.caps();
  auto no = [](const std::string& why) {
    return Status::error(status_code::unsupported, "tensor-core GEMM not used: " + why,
                         "The FMA GEMM kernel runs instead; results are the same within fp32 rounding");
  };
  if (!k.coopmat_nv) return no("the device has no VK_NV_cooperative_matrix (lavapipe and non-NVIDIA GPUs)");
  if (!k.fp16) return no("the device lacks shaderFloat16");
  if (k.subgroup_size != 32) return no("the kernel assumes subgroups of 32, the device has " + std::to_string(k.subgroup_size));
  std::string why;
  if (!detail::coopmat_nv_has_gemm_shape(ctx, &why)) return no(why);
  // An f32 and an NF4 (double-quantized) weight, shapes that are not multiples of the tiles.
  std::vector<float> wf(72 * 80);
  uint32_t s = 777u;
  for (float& x : wf) x = float((s = s * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
  quant::Nf4Tensor nf4;
  LATHE_RETURN_IF_ERROR(quant::nf4_quantize(&nf4, wf.data(), nullptr, 72, 80, true));
  for (const cpu::WeightRef& w : {cpu::WeightRef::from_f32(wf.data(), 72, 80), cpu::WeightRef::from_nf4(nf4.view())}) {
    double err = 0;
    Status st = coopmat_probe(ctx, w, 100, &err);
    if (!st.ok()) return no("self-check failed to run: " + st.message);
    if (!(err <= 5e-3)) return no("self-check result differs from the FMA kernel by " + std::to_string(err));
  }
  std::lock_guard<std::mutex> lock(g_coopmat_mu);
  g_coopmat_on.insert(&ctx);
  return Status::Ok();
}

DeviceWeight DeviceWeight::f32(View v, int64_t out, int64_t in, uint64_t off, int64_t ld) {
  DeviceWeight w;
  w.dtype = DType::f32;
  w.out = out, w.in = in, w.words = v, w.ld = ld ? ld : in, w.o0 = uint32_t(off);
  return w;
}

int64_t device_weight_bytes(const cpu::WeightRef& w) {
  int64_t n = w.out * w.in;
  auto words = [](int64_t bytes) { return (bytes + 3) / 4; };
  switch (w.dtype) {
    case DType::f32: return 4 * n;
    case DType::bf16: return 4 * words(2 * n);
    case DType::int8: return 4 * (words(n) + quant::int8_num_scales(w.out, w.in));
    case DType::nf4: {
      int64_t nb = quant::nf4_num_blocks(n);
      int64_t absmax = w.nf4.absmax ? nb : words(nb) + quant::nf4_num_absmax_scales(nb);
      return 4 * (words(quant::nf4_packed_bytes(n)) + absmax + 16 + 256);
    }
    default: return 0;
  }
}

Status upload_weight(Buffer& buf, uint64_t offset, const cpu::WeightRef& w, DeviceWeight* out) {
  LATHE_RETURN_IF_ERROR(cpu::validate(w));
  const int64_t n = w.out * w.in;
  const int64_t bytes = device_weight_bytes(w);
  if (bytes <= 0) return Status::error(status_code::unsupported, "vulkan: cannot upload this weight dtype");
  if (offset + bytes > buf.size()) return Status::invalid("vulkan upload_weight: buffer too small for the weight");
  std::vector<uint32_t> words(bytes / 4, 0u);
  auto* b = reinterpret_cast<uint8_t*>(words.data());
  DeviceWeight d;
  d.dtype = w.dtype, d.out = w.out, d.in = w.in, d.ld = w.in;
  uint32_t at = 0;  // next free word
  auto put = [&](const void* src, int64_t nbytes) {
    uint32_t o = at;
    std::memcpy(b + 4ull * at, src, nbytes);
    at += uint32_t((nbytes + 3) / 4);
    return o;
  };
  switch (w.dtype) {
    case DType::f32:
      for (int64_t r = 0; r < w.out; ++r) put(w.f32 + r * w.row_stride(), 4 * w.in);
      break;
    case DType::bf16: d.o0 = put(w.bf16, 2 * n); break;
    case DType::int8:
      d.o0 = put(w.int8.q, n);
      d.o1 = put(w.int8.scales, 4 * quant::int8_num_scales(w.out, w.in));
      break;
    case DType::nf4: {
      const quant::Nf4View& v = w.nf4;
      int64_t nb = v.num_blocks();
      d.o0 = put(v.packed, quant::nf4_packed_bytes(n));
      if (v.absmax) {
        d.o1 = put(v.absmax, 4 * nb);
      } else {
        d.nf4_double_quant = true;
        d.absmax_offset = v.absmax_offset;
        d.o1 = put(v.absmax_q, nb);
        d.o2 = put(v.absmax_scale, 4 * quant::nf4_num_absmax_scales(nb));
      }
      d.o3 = put(quant::kNf4Codebook, 16 * 4);
      put(quant::dynamic_map_signed(), 256 * 4);
      break;
    }
    default: break;
  }
  LATHE_RETURN_IF_ERROR(buf.upload(words.data(), bytes, offset));
  d.words = buf.view(offset, bytes);
  *out = d;
  return Status::Ok();
}

Status gemm_nt(Context& ctx, Recorder& rec, DMat C, DMat A, const DeviceWeight& W, int64_t M, float alpha,
               bool accumulate) {
  if (!A.ld) A.ld = W.in;
  if (!C.ld) C.ld = W.out;
  if (A.ld < W.in || C.ld < W.out) return Status::invalid("vulkan gemm_nt: bad strides");
  return record_gemm(ctx, rec, C, A, W, M, W.out, W.in, false, false, alpha, accumulate);
}

Status gemm_nn(Context& ctx, Recorder& rec, DMat C, DMat A, const DeviceWeight& W, int64_t M, float alpha,
               bool accumulate) {
  if (!A.ld) A.ld = W.out;
  if (!C.ld) C.ld = W.in;
  if (A.ld < W.out || C.ld < W.in) return Status::invalid("vulkan gemm_nn: bad strides");
  return record_gemm(ctx, rec, C, A, W, M, W.in, W.out, true, false, alpha, accumulate);
}

Status gemm_tn_acc(Context& ctx, Recorder& rec, DMat C, DMat A, DMat B, int64_t K, int64_t M, int64_t N, float alpha) {
  if (K < 0 || M <= 0 || N <= 0) return Status::invalid("vulkan gemm_tn_acc: bad sizes");
  if (K == 0) return Status::Ok();
  DeviceWeight Bw = DeviceWeight::f32(B.view, K, N, B.off, B.ld ? B.ld : N);
  if (!A.ld) A.ld = M;
  if (!C.ld) C.ld = N;
  return record_gemm(ctx, rec, C, A, Bw, M, N, K, true, true, alpha, true);
}

int64_t matmul_forward_scratch_floats(int64_t T, int64_t IN, const DeviceLora* lora, bool lora_u_given) {
  if (!has_lora(lora)) return 0;
  return (lora->dropout > 0.f ? T * IN : 0) + (lora_u_given ? 0 : T * lora->r);
}

int64_t matmul_backward_scratch_floats(int64_t T, int64_t IN, const DeviceLora* lora, bool lora_u_given) {
  if (!has_lora(lora)) return 0;
  return matmul_forward_scratch_floats(T, IN, lora, lora_u_given) + T * lora->r;
}

Status matmul_forward(Context& ctx, Recorder& rec, DMat y, DMat lora_u, DMat x, const DeviceWeight& w, DMat bias,
                      const DeviceLora* lora, int64_t T, DMat scratch) {
  if (!y.ld) y.ld = w.out;
  if (!x.ld) x.ld = w.in;
  LATHE_RETURN_IF_ERROR(gemm_nt(ctx, rec, y, x, w, T, 1.0f, false));
  if (bias.view.buf) {
    if (y.off != 0 || y.ld != w.out || bias.off != 0)
      return Status::invalid("vulkan matmul_forward: bias needs a whole (T, OUT) output at offset 0");
    Pipeline* p = nullptr;
    LATHE_RETURN_IF_ERROR(ctx.pipeline(&p, "matmul_bias", 2, 8));
    uint32_t pc[2] = {uint32_t(T), uint32_t(w.out)}, gx, gy;
    grid(uint64_t(T) * w.out, &gx, &gy);
    rec.dispatch(*p, {y.view, bias.view}, pc, sizeof pc, gx, gy);
  }
  if (!has_lora(lora)) return Status::Ok();
  const DeviceLora& l = *lora;
  LATHE_RETURN_IF_ERROR(check_lora(l, T, w.in));
  Carver cv{scratch};
  DMat xd = x;
  if (l.dropout > 0.f) {
    LATHE_RETURN_IF_ERROR(cv.take(&xd, T, w.in));
    LATHE_RETURN_IF_ERROR(record_dropout(ctx, rec, xd, x, T, w.in, l, 0));
  }
  DMat u = lora_u;
  if (!u.view.buf) LATHE_RETURN_IF_ERROR(cv.take(&u, T, l.r));
  if (!u.ld) u.ld = l.r;
  DeviceWeight A = DeviceWeight::f32(l.A.view, l.r, w.in, l.A.off, l.A.ld);
  DeviceWeight B = DeviceWeight::f32(l.B.view, w.out, l.r, l.B.off, l.B.ld);
  LATHE_RETURN_IF_ERROR(gemm_nt(ctx, rec, u, xd, A, T, 1.0f, false));
  return gemm_nt(ctx, rec, y, u, B, T, l.scale, true);
}

Status matmul_backward(Context& ctx, Recorder& rec, DMat dx, DMat dA, DMat dB, DMat dy, DMat x, DMat lora_u,
                       const DeviceWeight& w, const DeviceLora* lora, int64_t T, bool accumulate_dx, DMat scratch) {
  if (!dy.ld) dy.ld = w.out;
  if (!x.ld) x.ld = w.in;
  if (!dx.ld) dx.ld = w.in;
  if (dx.view.buf) LATHE_RETURN_IF_ERROR(gemm_nn(ctx, rec, dx, dy, w, T, 1.0f, accumulate_dx));
  if (!has_lora(lora)) return Status::Ok();
  const DeviceLora& l = *lora;
  LATHE_RETURN_IF_ERROR(check_lora(l, T, w.in));
  if (!dA.view.buf || !dB.view.buf) return Status::invalid("vulkan matmul_backward: LoRA branch needs dA and dB");
  Carver cv{scratch};
  DMat xd = x;
  if (l.dropout > 0.f) {
    LATHE_RETURN_IF_ERROR(cv.take(&xd, T, w.in));
    LATHE_RETURN_IF_ERROR(record_dropout(ctx, rec, xd, x, T, w.in, l, 0));
  }
  DeviceWeight A = DeviceWeight::f32(l.A.view, l.r, w.in, l.A.off, l.A.ld);
  DeviceWeight B = DeviceWeight::f32(l.B.view, w.out, l.r, l.B.off, l.B.ld);
  DMat u = lora_u;
  if (!u.view.buf) {
    LATHE_RETURN_IF_ERROR(cv.take(&u, T, l.r));
    LATHE_RETURN_IF_ERROR(gemm_nt(ctx, rec, u, xd, A, T, 1.0f, false));
  }
  if (!u.ld) u.ld = l.r;
  DMat g;
  LATHE_RETURN_IF_ERROR(cv.take(&g, T, l.r));
  // g (T, R) = dy · B; dB += s dy^T u; dA += s g^T drop(x); dx += s drop'(g · A)
  LATHE_RETURN_IF_ERROR(gemm_nn(ctx, rec, g, dy, B, T, 1.0f, false));
  LATHE_RETURN_IF_ERROR(gemm_tn_acc(ctx, rec, dB, dy, u, T, w.out, l.r, l.scale));
  LATHE_RETURN_IF_ERROR(gemm_tn_acc(ctx, rec, dA, g, xd, T, l.r, w.in, l.scale));
  if (!dx.view.buf) return Status::Ok();
  if (l.dropout <= 0.f) return gemm_nn(ctx, rec, dx, g, A, T, l.scale, true);
  // With dropout the gradient passes only through kept inputs: tmp = s g·A reuses the drop(x) scratch, whose last
  // reader (the dA product) was recorded before it, and the recorder barriers between dispatches.
  DMat tmp = xd;
  LATHE_RETURN_IF_ERROR(gemm_nn(ctx, rec, tmp, g, A, T, l.scale, false));
  return record_dropout(ctx, rec, dx, tmp, T, w.in, l, 1);
}

}  // namespace lathe::vk
