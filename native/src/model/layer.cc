// The decoder layer, written once: layer_forward serves scoring, generation (KV cache) and training (saving what
// backward needs, or recomputing it under checkpointing); layer_backward is its hand-written reverse. Both compose
// backend ops only, one explicit forward and backward per op:
//   h1 = norm1(xin); q,k,v = proj(h1) [+ q/k norm]; rope(q,k); att = attention(q,k,v); xmid = xin + o(att)
//   h2 = norm2(xmid); a = silu(gate(h2)) * up(h2); xout = xmid + down(a)
#include <cmath>

#include "model/model.h"

namespace lathe::model {

namespace {

// Dropout mask seed per (step seed, layer, module): a pure function, so recompute and backward see the same mask.
uint64_t mix_seed(uint64_t s, int64_t l, int m) {
  uint64_t z = s ^ (0x9E3779B97F4A7C15ull * static_cast<uint64_t>(l * 8 + m + 1));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

cpu::AttnDims attn_dims(const ModelConfig& c, int64_t T, int64_t S, int64_t q_pos0) {
  cpu::AttnDims d;
  d.T = T;
  d.S = S;
  d.q_pos0 = q_pos0;
  d.NH = c.n_heads;
  d.NKV = c.n_kv_heads;
  d.HD = c.head_dim;
  d.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  return d;
}

}  // namespace

void Model::lora_refs(int64_t l, bool adapter, bool train, uint64_t dropout_seed, backend::Lora lr[7],
                      const backend::Lora* lp[7]) const {
  const Layer& L = layers_[l];
  for (int m = 0; m < static_cast<int>(Module::count); ++m) {
    const LoraModule& lm = L.lora[m];
    lr[m] = backend::Lora{};
    lp[m] = nullptr;
    if (!adapter || lm.r == 0) continue;
    lr[m].A = lm.A.ptr();
    lr[m].B = lm.B.ptr();
    lr[m].r = lm.r;
    lr[m].scale = lm.scale;
    if (train) {  // inference never drops
      lr[m].dropout = lora_cfg_.dropout;
      lr[m].seed = mix_seed(dropout_seed, l, m);
    }
    lp[m] = &lr[m];
  }
}

Status Model::layer_forward(int64_t l, const LayerCall& k, const LayerBufs& S) {
  const auto& c = cfg_;
  const int64_t B = k.B, T = k.T, N = B * T;
  const int64_t C = c.hidden, HD = c.head_dim, NH = c.n_heads, NKV = c.n_kv_heads, QD = NH * HD, KVD = NKV * HD, I = c.intermediate;
  const float eps = static_cast<float>(c.rms_eps);
  backend::Backend& be = *be_;
  const Layer& L = layers_[l];
  backend::Lora lr[7];
  const backend::Lora* lp[7];
  lora_refs(l, k.adapter, k.train, k.dropout_seed, lr, lp);
  auto mm = [&](DPtr<float> y, DPtr<float> in, Module mod) {
    const int m = static_cast<int>(mod);
    return be.matmul_forward(y, lp[m] ? S.lu[m] : DPtr<float>{}, in, L.lin[m].dw, L.lin[m].bias.ptr(), lp[m], N);
  };
  // Attention block. With the cache, k/v of these tokens are written straight into the cache rows [p0, p0+T) (one
  // sequence), or into S.k/S.v and then each row's T rows into its own cache (a batch of cached sequences).
  const int64_t seq_stride = c.layers * k.cache_rows * KVD;  // one sequence's whole cache
  const bool direct = k.cache && B == 1;
  const DPtr<float> kdst = direct ? k.kcache + (l * k.cache_rows + k.p0) * KVD : S.k;
  const DPtr<float> vdst = direct ? k.vcache + (l * k.cache_rows + k.p0) * KVD : S.v;
  be.rmsnorm_forward(S.h1, S.rstd1, k.xin, L.attn_norm.ptr(), N, C, eps);
  if (c.qk_norm) {  // Qwen3: per-head RMSNorm of q and k before RoPE
    LATHE_RETURN_IF_ERROR(mm(S.qraw, S.h1, Module::q));
    LATHE_RETURN_IF_ERROR(mm(S.kraw, S.h1, Module::k));
    be.rmsnorm_forward(S.q, S.qkr, S.qraw, L.q_norm.ptr(), N * NH, HD, eps);
    be.rmsnorm_forward(kdst, S.qkr + N * NH, S.kraw, L.k_norm.ptr(), N * NKV, HD, eps);
  } else {
    LATHE_RETURN_IF_ERROR(mm(S.q, S.h1, Module::q));
    LATHE_RETURN_IF_ERROR(mm(kdst, S.h1, Module::k));
  }
  LATHE_RETURN_IF_ERROR(mm(vdst, S.h1, Module::v));
  LATHE_RETURN_IF_ERROR(be.rope_forward(S.q, S.q, k.pos, k.cos, k.sin, N, NH, HD, k.P));
  LATHE_RETURN_IF_ERROR(be.rope_forward(kdst, kdst, k.pos, k.cos, k.sin, N, NKV, HD, k.P));
  if (k.cache && !direct)
    for (int64_t b = 0; b < B; ++b) {
      be.copy(k.kcache + b * seq_stride + (l * k.cache_rows + k.p0) * KVD, S.k + b * T * KVD, T * KVD);
      be.copy(k.vcache + b * seq_stride + (l * k.cache_rows + k.p0) * KVD, S.v + b * T * KVD, T * KVD);
    }
  for (int64_t b = 0; b < B; ++b) {
    // Keys: this sequence's cache rows [0, p0+T) of this layer, or this row's own T keys.
    const cpu::AttnDims d = attn_dims(c, T, k.cache ? k.p0 + T : T, k.cache ? k.p0 : 0);
    const DPtr<float> kb = k.cache ? k.kcache + b * seq_stride + l * k.cache_rows * KVD : S.k + b * T * KVD;
    const DPtr<float> vb = k.cache ? k.vcache + b * seq_stride + l * k.cache_rows * KVD : S.v + b * T * KVD;
    const DPtr<int32_t> seg = k.seg ? k.seg + b * T : DPtr<int32_t>{};
    const DPtr<float> lse = S.lse ? S.lse + b * NH * T : DPtr<float>{};
    LATHE_RETURN_IF_ERROR(be.attention_forward(S.att + b * T * QD, lse, S.q + b * T * QD, kb, vb, seg, seg, d));
  }
  LATHE_RETURN_IF_ERROR(mm(S.ao, S.att, Module::o));
  be.add(S.xmid, k.xin, S.ao, N * C);
  // MLP block: down(silu(gate(h2)) * up(h2)).
  be.rmsnorm_forward(S.h2, S.rstd2, S.xmid, L.ffn_norm.ptr(), N, C, eps);
  LATHE_RETURN_IF_ERROR(mm(S.g, S.h2, Module::gate));
  LATHE_RETURN_IF_ERROR(mm(S.u, S.h2, Module::up));
  be.swiglu_forward(S.a, S.g, S.u, N * I);
  const DPtr<float> dn = S.dn ? S.dn : k.xout;  // training: the down projection lands in xout, then += xmid
  LATHE_RETURN_IF_ERROR(mm(dn, S.a, Module::down));
  be.add(k.xout, S.xmid, dn, N * C);
  return Status::Ok();
}

Status Model::layer_backward(int64_t l, DPtr<float> xin, DPtr<float> dxout, DPtr<float> dxin, const LayerBufs& S) {
  const auto& c = cfg_;
  const int64_t B = tr_.B, T = tr_.T, N = tr_.N;
  const int64_t C = c.hidden, HD = c.head_dim, NH = c.n_heads, NKV = c.n_kv_heads, QD = NH * HD, KVD = NKV * HD, I = c.intermediate;
  backend::Backend& be = *be_;
  const TrainBufs& g = tr_.b;
  Layer& L = layers_[l];
  backend::Lora lr[7];
  const backend::Lora* lp[7];
  lora_refs(l, true, true, tr_.dropout_seed, lr, lp);
  auto mmb = [&](DPtr<float> dx, DPtr<float> dy, DPtr<float> x, Module mod, bool acc) {
    const int m = static_cast<int>(mod);
    const backend::Lora* p = lp[m];
    return be.matmul_backward(dx, p ? L.lora[m].dA.ptr() : DPtr<float>{}, p ? L.lora[m].dB.ptr() : DPtr<float>{}, dy, x,
                              p ? S.lu[m] : DPtr<float>{}, L.lin[m].dw, p, N, acc);
  };
  const DPtr<float> dh = g.dh;
  // MLP block: xout = xmid + down(silu(gate(h2)) * up(h2)), h2 = norm2(xmid).
  LATHE_RETURN_IF_ERROR(mmb(g.da, dxout, S.a, Module::down, false));
  be.swiglu_backward(g.dg, g.du, g.da, S.g, S.u, N * I);
  LATHE_RETURN_IF_ERROR(mmb(dh, g.dg, S.h2, Module::gate, false));
  LATHE_RETURN_IF_ERROR(mmb(dh, g.du, S.h2, Module::up, true));
  const DPtr<float> dxm = g.xtmp;  // d xmid = dxout + norm2^T(dh)
  be.copy(dxm, dxout, N * C);
  be.rmsnorm_backward(dxm, DPtr<float>{}, dh, S.xmid, L.ffn_norm.ptr(), S.rstd2, N, C, true);
  // Attention block: xmid = xin + o(attn(rope(q), rope(k), v)), q/k/v from h1 = norm1(xin).
  LATHE_RETURN_IF_ERROR(mmb(g.datt, dxm, S.att, Module::o, false));
  const cpu::AttnDims d = attn_dims(c, T, T, 0);
  for (int64_t b = 0; b < B; ++b) {
    const DPtr<int32_t> seg = tr_.has_seg ? g.seg + b * T : DPtr<int32_t>{};
    LATHE_RETURN_IF_ERROR(be.attention_backward(g.dq + b * T * QD, g.dk + b * T * KVD, g.dv + b * T * KVD, g.datt + b * T * QD,
                                                S.att + b * T * QD, S.lse + b * NH * T, S.q + b * T * QD, S.k + b * T * KVD,
                                                S.v + b * T * KVD, seg, seg, d));
  }
  LATHE_RETURN_IF_ERROR(be.rope_backward(g.dq, g.dq, g.pos, g.cos, g.sin, N, NH, HD, T));
  LATHE_RETURN_IF_ERROR(be.rope_backward(g.dk, g.dk, g.pos, g.cos, g.sin, N, NKV, HD, T));
  DPtr<float> dq = g.dq, dk = g.dk;
  if (c.qk_norm) {
    be.rmsnorm_backward(g.dqraw, DPtr<float>{}, dq, S.qraw, L.q_norm.ptr(), S.qkr, N * NH, HD, false);
    be.rmsnorm_backward(g.dkraw, DPtr<float>{}, dk, S.kraw, L.k_norm.ptr(), S.qkr + N * NH, N * NKV, HD, false);
    dq = g.dqraw;
    dk = g.dkraw;
  }
  LATHE_RETURN_IF_ERROR(mmb(dh, dq, S.h1, Module::q, false));
  LATHE_RETURN_IF_ERROR(mmb(dh, dk, S.h1, Module::k, true));
  LATHE_RETURN_IF_ERROR(mmb(dh, g.dv, S.h1, Module::v, true));
  be.copy(dxin, dxm, N * C);
  be.rmsnorm_backward(dxin, DPtr<float>{}, dh, xin, L.attn_norm.ptr(), S.rstd1, N, C, true);
  return Status::Ok();
}

}  // namespace lathe::model
