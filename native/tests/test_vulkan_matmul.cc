// Vulkan GEMM and linear-layer parity against the CPU scalar reference: gemm_nt / gemm_nn for f32, bf16, NF4 (plain
// and double-quantized absmax) and int8 weights, gemm_tn_acc, and matmul_forward / matmul_backward with bias and LoRA
// (with and without dropout), on shapes that are not multiples of the 64x64x16 tiles.
// Tolerance: max |vk - cpu| / max |cpu| <= 2e-5 for every op (fp32 accumulation in a different order; the weights
// dequantize to the same f32 values on both sides, so quantized weights need no extra slack).
#include <cstdio>
#include <random>
#include <string>

#include "quant/bf16.h"
#include "quant/int8.h"
#include "quant/nf4.h"
#include "vulkan/ops_matmul.h"
#include "vulkan_harness.h"

namespace lathe::test {

namespace {

constexpr double kTol = 2e-5;

// A host weight of one dtype with its owning storage, and its device copy.
struct TestWeight {
  std::string name;
  std::vector<float> f32;
  std::vector<uint16_t> bf16;
  quant::Nf4Tensor nf4;
  quant::Int8Tensor int8;
  cpu::WeightRef ref;
  vk::Buffer buf;
  vk::DeviceWeight dev;
};

// kind: 0 f32, 1 bf16, 2 nf4, 3 nf4 double-quant, 4 int8
void make_weight(TestWeight& w, VkEnv& env, std::mt19937& rng, int kind, int64_t out, int64_t in, Status* st) {
  static const char* names[] = {"f32", "bf16", "nf4", "nf4dq", "int8"};
  w.name = names[kind];
  w.f32 = randn(rng, out * in, 0.5f);
  switch (kind) {
    case 0: w.ref = cpu::WeightRef::from_f32(w.f32.data(), out, in); break;
    case 1:
      w.bf16.resize(w.f32.size());
      quant::f32_to_bf16_n(w.bf16.data(), w.f32.data(), w.f32.size());
      w.ref = cpu::WeightRef::from_bf16(w.bf16.data(), out, in);
      break;
    case 2:
    case 3:
      *st = quant::nf4_quantize(&w.nf4, w.f32.data(), nullptr, out, in, kind == 3);
      w.ref = cpu::WeightRef::from_nf4(w.nf4.view());
      break;
    default:
      *st = quant::int8_quantize(&w.int8, w.f32.data(), nullptr, out, in);
      w.ref = cpu::WeightRef::from_int8(w.int8.view());
  }
  if (!st->ok()) return;
  *st = env.ctx->alloc(&w.buf, vk::device_weight_bytes(w.ref));
  if (st->ok()) *st = vk::upload_weight(w.buf, 0, w.ref, &w.dev);
}

const cpu::Exec kRef{nullptr, cpu::Isa::scalar};

vk::DMat dm(const vk::Buffer& b, int64_t ld, uint64_t off = 0) { return vk::DMat{b.view(), off, ld}; }

std::string shape(int64_t a, int64_t b, int64_t c) {
  return std::to_string(a) + "x" + std::to_string(b) + "x" + std::to_string(c);
}

struct Shape { int64_t M, N, K; };

// One gemm_nt or gemm_nn case on one weight dtype, overwrite and accumulate, within tol.
void gemm_case(Harness& h, VkEnv& env, std::mt19937& rng, int kind, bool nn, Shape s, double tol, const std::string& tag) {
  TestWeight w;
  Status st;
  // nt: W (N, K); nn: W (K, N)
  make_weight(w, env, rng, kind, nn ? s.K : s.N, nn ? s.N : s.K, &st);
  std::string name = "vk " + tag + (nn ? "gemm_nn " : "gemm_nt ") + w.name + " " + shape(s.M, s.N, s.K);
  if (!st.ok()) {
    h.check(false, name, st.message);
    return;
  }
  // C has a wider row stride and A an offset, like a slice of a bigger buffer.
  const int64_t ldc = s.N + 3, lda = s.K + 2, aoff = 5;
  auto A = randn(rng, aoff + s.M * lda), C0 = randn(rng, s.M * ldc);
  for (bool acc : {false, true}) {
    std::vector<float> ref = C0;
    st = nn ? cpu::gemm_nn(ref.data(), ldc, A.data() + aoff, lda, w.ref, s.M, 0.75f, acc, kRef)
            : cpu::gemm_nt(ref.data(), ldc, A.data() + aoff, lda, w.ref, s.M, 0.75f, acc, kRef);
    vk::Buffer dA = env.upload(A), dC = env.upload(C0);
    vk::Recorder rec(*env.ctx);
    if (st.ok())
      st = nn ? vk::gemm_nn(*env.ctx, rec, dm(dC, ldc), dm(dA, lda, aoff), w.dev, s.M, 0.75f, acc)
              : vk::gemm_nt(*env.ctx, rec, dm(dC, ldc), dm(dA, lda, aoff), w.dev, s.M, 0.75f, acc);
    if (st.ok()) st = rec.submit();
    auto got = env.download<float>(dC, C0.size());
    double e = rel_err(got, ref, ref.size());
    h.check(st.ok() && e <= tol, name + (acc ? " acc" : ""), st.message + " rel_err " + fmt(e));
  }
}

// The tensor-core kernel is selected only where VK_NV_cooperative_matrix exists and its self-check passes; on such a
// device (npm run test:gpu) it must pass and then agree with the CPU within fp16-input precision (5e-3).
void coopmat_gate(Harness& h, VkEnv& env, std::mt19937& rng) {
  Status st = vk::enable_coopmat_gemm(*env.ctx);
  if (!env.ctx->caps().coopmat_nv) {
    h.check(!st.ok() && !vk::coopmat_gemm_enabled(*env.ctx) &&
                st.message.find("VK_NV_cooperative_matrix") != std::string::npos,
            "vk gemm tensor-core path gated off on a device without VK_NV_cooperative_matrix", st.message);
    return;
  }
  h.check(st.ok() && vk::coopmat_gemm_enabled(*env.ctx), "vk gemm tensor-core self-check passes", st.message);
  if (!st.ok()) return;
  for (int kind = 0; kind < 5; ++kind)
    for (bool nn : {false, true}) gemm_case(h, env, rng, kind, nn, Shape{100, 70, 130}, 5e-3, "coopmat ");
  vk::disable_coopmat_gemm(*env.ctx);
}

void gemm_cases(Harness& h, VkEnv& env, std::mt19937& rng) {
  for (Shape s : {Shape{1, 5, 7}, Shape{37, 70, 33}, Shape{65, 64, 130}})
    for (int kind = 0; kind < 5; ++kind)
      for (bool nn : {false, true}) gemm_case(h, env, rng, kind, nn, s, kTol, "");
  for (Shape s : {Shape{4, 70, 37}, Shape{16, 5, 1}, Shape{3, 130, 65}}) {  // (M, N, K): C += A^T B
    auto A = randn(rng, s.K * s.M), B = randn(rng, s.K * s.N), C = randn(rng, s.M * s.N);
    std::vector<float> ref = C;
    cpu::gemm_tn_acc(ref.data(), A.data(), B.data(), s.K, s.M, s.N, 0.5f, kRef);
    vk::Buffer dA = env.upload(A), dB = env.upload(B), dC = env.upload(C);
    vk::Recorder rec(*env.ctx);
    Status st = vk::gemm_tn_acc(*env.ctx, rec, dm(dC, s.N), dm(dA, s.M), dm(dB, s.N), s.K, s.M, s.N, 0.5f);
    if (st.ok()) st = rec.submit();
    double e = rel_err(env.download<float>(dC, C.size()), ref, ref.size());
    h.check(st.ok() && e <= kTol, "vk gemm_tn_acc " + shape(s.M, s.N, s.K), st.message + " rel_err " + fmt(e));
  }
}

void matmul_cases(Harness& h, VkEnv& env, std::mt19937& rng) {
  struct Case { int64_t T, IN, OUT, R; float dropout; bool bias, lora_u; };
  const Case cases[] = {{37, 70, 45, 4, 0.f, true, true}, {37, 70, 45, 4, 0.1f, false, false},
                        {1, 33, 65, 8, 0.f, false, false}, {20, 64, 64, 16, 0.25f, true, true}};
  for (const Case& c : cases) {
    for (int kind = 0; kind < 5; ++kind) {
      if (c.T == 1 && kind % 2 == 1) continue;  // keep the suite short: T = 1 on f32, nf4 and int8
      TestWeight w;
      Status st;
      make_weight(w, env, rng, kind, c.OUT, c.IN, &st);
      std::string name = "vk matmul " + w.name + " T" + std::to_string(c.T) + " " + shape(c.IN, c.OUT, c.R) +
                         (c.dropout > 0 ? " dropout" : "") + (c.bias ? " bias" : "") + (c.lora_u ? " saved-u" : "");
      if (!st.ok()) {
        h.check(false, name, st.message);
        continue;
      }
      auto x = randn(rng, c.T * c.IN), bias = randn(rng, c.OUT), A = randn(rng, c.R * c.IN, 0.3f),
           B = randn(rng, c.OUT * c.R, 0.3f), dy = randn(rng, c.T * c.OUT), dA0 = randn(rng, c.R * c.IN),
           dB0 = randn(rng, c.OUT * c.R), dx0 = randn(rng, c.T * c.IN);
      cpu::LoraRef l{A.data(), B.data(), c.R, 2.0f, c.dropout, 0x1234567890abcdefull + c.T};
      std::vector<float> y(c.T * c.OUT), u(c.T * c.R), dx = dx0, dA = dA0, dB = dB0;
      st = cpu::matmul_forward(y.data(), u.data(), x.data(), w.ref, c.bias ? bias.data() : nullptr, &l, c.T, kRef);
      if (st.ok())
        st = cpu::matmul_backward(dx.data(), dA.data(), dB.data(), dy.data(), x.data(), c.lora_u ? u.data() : nullptr,
                                  w.ref, &l, c.T, true, kRef);
      vk::Buffer dx_ = env.upload(x), dbias = env.upload(bias), dLA = env.upload(A), dLB = env.upload(B),
                 ddy = env.upload(dy), ddA = env.upload(dA0), ddB = env.upload(dB0), ddx = env.upload(dx0), dyb, dub, scr;
      vk::DeviceLora dl{dm(dLA, c.IN), dm(dLB, c.R), c.R, 2.0f, c.dropout, l.seed};
      int64_t sf = std::max(vk::matmul_forward_scratch_floats(c.T, c.IN, &dl, c.lora_u),
                            vk::matmul_backward_scratch_floats(c.T, c.IN, &dl, c.lora_u));
      if (st.ok()) st = env.ctx->alloc(&dyb, c.T * c.OUT * 4);
      if (st.ok()) st = env.ctx->alloc(&dub, c.T * c.R * 4);
      if (st.ok()) st = env.ctx->alloc(&scr, std::max<int64_t>(sf, 1) * 4);
      vk::DMat um = c.lora_u ? dm(dub, c.R) : vk::DMat{};
      vk::Recorder rec(*env.ctx);
      if (st.ok())
        st = vk::matmul_forward(*env.ctx, rec, dm(dyb, c.OUT), um, dm(dx_, c.IN), w.dev,
                                c.bias ? dm(dbias, c.OUT) : vk::DMat{}, &dl, c.T, dm(scr, 0));
      if (st.ok())
        st = vk::matmul_backward(*env.ctx, rec, dm(ddx, c.IN), dm(ddA, c.IN), dm(ddB, c.R), dm(ddy, c.OUT),
                                 dm(dx_, c.IN), um, w.dev, &dl, c.T, true, dm(scr, 0));
      if (st.ok()) st = rec.submit();
      double ey = rel_err(env.download<float>(dyb, y.size()), y, y.size());
      double ex = rel_err(env.download<float>(ddx, dx.size()), dx, dx.size());
      double ea = rel_err(env.download<float>(ddA, dA.size()), dA, dA.size());
      double eb = rel_err(env.download<float>(ddB, dB.size()), dB, dB.size());
      double eu = c.lora_u ? rel_err(env.download<float>(dub, u.size()), u, u.size()) : 0.0;
      h.check(st.ok() && ey <= kTol && eu <= kTol, name + " forward", st.message + " y " + fmt(ey) + " u " + fmt(eu));
      h.check(st.ok() && ex <= kTol && ea <= kTol && eb <= kTol, name + " backward",
              st.message + " dx " + fmt(ex) + " dA " + fmt(ea) + " dB " + fmt(eb));
    }
  }
}

}  // namespace

LATHE_VK_SUITE(matmul) {
  std::mt19937 rng(1501);
  gemm_cases(h, env, rng);
  matmul_cases(h, env, rng);
  coopmat_gate(h, env, rng);
  // A scratch view smaller than matmul_forward_scratch_floats asks for is an error naming the sizing function.
  TestWeight w;
  Status st;
  make_weight(w, env, rng, 0, 8, 8, &st);
  vk::Buffer x = env.upload(std::vector<float>(4 * 8, 1.f)), y = env.upload(std::vector<float>(4 * 8, 0.f)),
             la = env.upload(std::vector<float>(2 * 8, 1.f)), lb = env.upload(std::vector<float>(8 * 2, 1.f)),
             small = env.upload(std::vector<float>(4, 0.f));
  vk::DeviceLora dl{dm(la, 8), dm(lb, 2), 2, 1.f, 0.5f, 1};
  vk::Recorder rec(*env.ctx);
  if (st.ok())
    st = vk::matmul_forward(*env.ctx, rec, dm(y, 8), {}, dm(x, 8), w.dev, {}, &dl, 4, dm(small, 0));
  h.check(!st.ok() && st.message.find("scratch") != std::string::npos, "vk matmul rejects a too-small scratch", st.message);
}

}  // namespace lathe::test
