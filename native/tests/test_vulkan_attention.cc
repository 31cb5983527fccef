// Vulkan flash attention parity against the CPU scalar reference (the GEMM-based attention): forward out and lse,
// backward dq/dk/dv, for head_dim 64/80/128 and 8 (each head dim is its own pipeline; few keep cold runs short), GQA
// ratios 1/4/8, T = 1 and odd T, a KV-cache query block (q_pos0 > 0) and packed-document segments including a query
// that sees no key (zeros, lse = -inf).
// Tolerance: max |vk - cpu| / max |cpu| <= 1e-4 for out, lse, dq, dk, dv (fp32 throughout; the slack over GEMM covers
// exp() and the online-softmax rescaling order).
#include <cmath>
#include <random>
#include <string>

#include "vulkan/ops_attention.h"
#include "vulkan_harness.h"

namespace lathe::test {

namespace {

constexpr double kTol = 1e-4;

// rel_err that treats matching -inf entries (rows that see no key) as equal and a lone -inf as a failure.
double lse_err(const std::vector<float>& a, const std::vector<float>& b) {
  std::vector<float> x = a, y = b;
  for (size_t i = 0; i < x.size(); ++i) {
    bool ia = std::isinf(x[i]) && x[i] < 0, ib = std::isinf(y[i]) && y[i] < 0;
    if (ia != ib) return INFINITY;
    if (ia) x[i] = y[i] = 0.f;
  }
  return rel_err(x, y, x.size());
}

struct Case {
  int64_t T, S, q_pos0, NH, NKV, HD;
  bool seg;
};

void run_case(Harness& h, VkEnv& env, std::mt19937& rng, const Case& c) {
  cpu::AttnDims d{c.T, c.S, c.q_pos0, c.NH, c.NKV, c.HD, 1.0f / std::sqrt(float(c.HD))};
  std::string name = "vk attention T" + std::to_string(c.T) + " S" + std::to_string(c.S) + " pos0 " +
                     std::to_string(c.q_pos0) + " NH" + std::to_string(c.NH) + "/" + std::to_string(c.NKV) + " HD" +
                     std::to_string(c.HD) + (c.seg ? " segments" : "");
  const int64_t qn = c.T * c.NH * c.HD, kn = c.S * c.NKV * c.HD;
  auto q = randn(rng, qn), k = randn(rng, kn), v = randn(rng, kn), dout = randn(rng, qn);
  // Three packed documents; query row T/2 carries a segment id no key has, so it sees nothing.
  std::vector<int32_t> sq(c.T), sk(c.S);
  for (int64_t s = 0; s < c.S; ++s) sk[s] = int32_t(s * 3 / c.S);
  for (int64_t t = 0; t < c.T; ++t) sq[t] = sk[c.q_pos0 + t];
  if (c.seg && c.T > 2) sq[c.T / 2] = 7;
  const int32_t* sqp = c.seg ? sq.data() : nullptr;
  const int32_t* skp = c.seg ? sk.data() : nullptr;
  const cpu::Exec ref{nullptr, cpu::Isa::scalar};
  std::vector<float> out(qn), lse(c.NH * c.T), dq(qn), dk(kn), dv(kn);
  Status st = cpu::attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), sqp, skp, d, ref);
  if (st.ok())
    st = cpu::attention_backward(dq.data(), dk.data(), dv.data(), dout.data(), out.data(), lse.data(), q.data(),
                                 k.data(), v.data(), sqp, skp, d, ref);
  vk::Buffer bq = env.upload(q), bk = env.upload(k), bv = env.upload(v), bdo = env.upload(dout), bsq = env.upload(sq),
             bsk = env.upload(sk), bo, bl, bdq, bdk, bdv, bscr;
  for (auto [b, n] : {std::pair{&bo, qn}, {&bl, c.NH * c.T}, {&bdq, qn}, {&bdk, kn}, {&bdv, kn},
                      {&bscr, vk::attention_backward_scratch_floats(d)}})
    if (st.ok()) st = env.ctx->alloc(b, std::max<int64_t>(n, 1) * 4);
  vk::Recorder rec(*env.ctx);
  vk::View vsq = c.seg ? bsq.view() : vk::View{}, vsk = c.seg ? bsk.view() : vk::View{};
  if (st.ok()) st = vk::attention_forward(*env.ctx, rec, bo.view(), bl.view(), bq.view(), bk.view(), bv.view(), vsq, vsk, d);
  // The backward reads the device forward's out and lse, as training does.
  if (st.ok())
    st = vk::attention_backward(*env.ctx, rec, bdq.view(), bdk.view(), bdv.view(), bdo.view(), bo.view(), bl.view(),
                                bq.view(), bk.view(), bv.view(), vsq, vsk, d, bscr.view());
  if (st.ok()) st = rec.submit();
  double eo = rel_err(env.download<float>(bo, qn), out, qn);
  double el = lse_err(env.download<float>(bl, c.NH * c.T), lse);
  double eq = rel_err(env.download<float>(bdq, qn), dq, qn);
  double ek = rel_err(env.download<float>(bdk, kn), dk, kn);
  double ev = rel_err(env.download<float>(bdv, kn), dv, kn);
  h.check(st.ok() && eo <= kTol && el <= kTol, name + " forward", st.message + " out " + fmt(eo) + " lse " + fmt(el));
  h.check(st.ok() && eq <= kTol && ek <= kTol && ev <= kTol, name + " backward",
          st.message + " dq " + fmt(eq) + " dk " + fmt(ek) + " dv " + fmt(ev));
}

}  // namespace

LATHE_VK_SUITE(attention) {
  std::mt19937 rng(1502);
  const Case cases[] = {
      {37, 37, 0, 2, 2, 64, false},  {37, 37, 0, 4, 1, 80, true},   {37, 37, 0, 8, 1, 128, false},
      {37, 37, 0, 8, 2, 64, true},   {1, 1, 0, 4, 1, 64, false},    {70, 70, 0, 4, 4, 8, true},
      {5, 40, 35, 8, 1, 64, false},  {3, 19, 16, 2, 1, 8, true},   {33, 33, 0, 1, 1, 8, false},
      {20, 20, 0, 4, 1, 128, true},
  };
  for (const Case& c : cases) run_case(h, env, rng, c);
  // Bad arguments are Status errors, not device faults.
  vk::Buffer b = env.upload(std::vector<float>(64, 0.f));
  vk::Recorder rec(*env.ctx);
  Status st = vk::attention_forward(*env.ctx, rec, b.view(), {}, b.view(), b.view(), b.view(), {}, {},
                                    cpu::AttnDims{2, 2, 0, 3, 2, 4, 0.5f});
  h.check(!st.ok() && st.message.find("multiple of NKV") != std::string::npos, "vk attention rejects NH % NKV != 0",
          st.message);
  st = vk::attention_forward(*env.ctx, rec, b.view(), {}, b.view(), b.view(), b.view(), b.view(), {},
                             cpu::AttnDims{2, 2, 0, 2, 2, 4, 0.5f});
  h.check(!st.ok() && st.message.find("segment") != std::string::npos, "vk attention rejects one segment array", st.message);
  st = vk::attention_forward(*env.ctx, rec, b.view(), {}, b.view(), b.view(), b.view(), {}, {},
                             cpu::AttnDims{2, 2, 1, 2, 2, 4, 0.5f});
  h.check(!st.ok() && st.message.find("q_pos0 + T <= S") != std::string::npos, "vk attention rejects queries past the keys",
          st.message);
}

}  // namespace lathe::test
