// One declarative table of the per-call buffers (name, arena, element count from config, B, T, checkpointing): the
// memory plan totals it and the allocation carves it, so the two cannot drift. One table for scoring/generation, one
// for training; each buffer appears in exactly one line below (buffers.cc).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "backend/array.h"
#include "model/config.h"
#include "model/memory.h"

namespace lathe::model {

using backend::DPtr;

// Where one decoder-layer forward writes (and the backward reads). Inference points several of these at the same
// buffer (it keeps nothing); training gives each its own, once per layer or once with checkpointing.
struct LayerBufs {
  DPtr<float> h1, rstd1;          // (N, C), (N): attention-norm output, its rstd
  DPtr<float> qraw, kraw, qkr;    // Qwen3: q/k projections before q/k norm, their rstd (N*(NH+NKV))
  DPtr<float> q, k, v;            // after norm + RoPE: (N, NH*HD), (N, NKV*HD) x2 (k, v: unused with a KV cache)
  DPtr<float> att, lse;           // (N, NH*HD), (B, NH, T); lse null = not kept
  DPtr<float> ao;                 // (N, C) o-projection output before the residual add (may alias xmid)
  DPtr<float> xmid, h2, rstd2;    // residual after attention, MLP-norm output, its rstd
  DPtr<float> g, u, a;            // (N, I): gate, up, silu(gate)*up (a may alias g)
  DPtr<float> dn;                 // (N, C) down-projection output before the residual add (may alias xout)
  DPtr<float> lu[7];              // (N, R_m) LoRA u = drop(x) A^T per module
};

// Scoring and generation: N = rows of this call, P = positions the RoPE table and the KV cache cover.
struct InferBufs {
  DPtr<int32_t> ids, pos, targets;  // (N)
  DPtr<float> x, h, q, att, g, u;   // residual stream, normed input, (N, NH*HD) x2, (N, I) x2
  DPtr<float> k, v, kn;             // (N, NKV*HD): k, v when there is no cache; kn: Qwen3 pre-norm k
  DPtr<float> rstd, qk_rstd, logp;  // (N), (N*(NH+NKV)), (N)
  DPtr<float> cos, sin;             // (P, HD/2)
  DPtr<float> logits, lora_u;       // (chunk, V), (N, Rmax) scratch
  DPtr<float> kcache, vcache;       // (L, P, NKV*HD) when generating
  LayerBufs layer;                  // the aliases the one layer forward writes through
};
struct InferDims {
  int64_t N = 0, P = 0, chunk = 1, max_rank = 0;
  bool cache = false;  // generation: k/v live in the KV cache
  int64_t batch = 1;   // sequences sharing the call, each with its own cache (group generation)
};

// Training: N = B*T rows; saved has 1 entry with checkpointing, else one per layer.
struct TrainBufs {
  DPtr<int32_t> ids, targets, pos, seg;        // (N)
  DPtr<float> logp, seeds;                     // (N) the forward's output and backward's input, on the backend
  DPtr<float> ckpt;                            // (L+1, N, C) layer inputs; row L = final residual (offload: 2 slots)
  DPtr<float> hf, rstdf, lse;                  // final norm output (N, C), its rstd (N), per-token logsumexp (N)
  DPtr<float> cos, sin, logits;                // (T, HD/2) x2, (chunk, V)
  DPtr<float> dx, dx2, dh, xtmp;               // (N, C) backward scratch
  DPtr<float> dq, datt, dk, dv, dg, du, da;    // (N, QD) x2, (N, KVD) x2, (N, I) x3
  DPtr<float> dqraw, dkraw;                    // Qwen3
  std::vector<LayerBufs> saved;
};
struct TrainDims {
  int64_t B = 0, T = 0, chunk = 1;
  bool checkpointing = true;
  // Checkpointing only: each layer's input waits in host memory between forward and backward, so the device holds two
  // (N, C) slots of the residual stream (the layer's input and its output) instead of L+1.
  bool offload = false;
  int64_t rank[7] = {};  // largest LoRA rank of each module over the layers (sizes the saved u buffers)
};

// Bytes per arena of a table (each buffer rounded up to 64 bytes, exactly as carve() lays them out).
using ArenaBytes = std::array<int64_t, static_cast<int>(ArenaKind::count)>;
ArenaBytes infer_bytes(const ModelConfig& c, const InferDims& d);
ArenaBytes train_bytes(const ModelConfig& c, const TrainDims& d);
// Rows of (N, C) in TrainBufs::ckpt: L+1, or 2 with offload (layer l reads slot l % 2 and writes slot (l+1) % 2).
int64_t ckpt_slots(const ModelConfig& c, const TrainDims& d);
// Host bytes the offloaded layer inputs take between forward and backward (0 without offload).
int64_t offload_host_bytes(const ModelConfig& c, const TrainDims& d);

// The buffers of one call: one backend allocation per arena, carved by the table.
class BufferSet {
 public:
  Status alloc_infer(backend::Backend* be, MemTracker* tr, const ModelConfig& c, const InferDims& d, InferBufs& out);
  Status alloc_train(backend::Backend* be, MemTracker* tr, const ModelConfig& c, const TrainDims& d, TrainBufs& out);
  void release();

 private:
  Status alloc(backend::Backend* be, MemTracker* tr, const ArenaBytes& bytes);
  std::array<backend::Array<uint8_t>, static_cast<int>(ArenaKind::count)> arenas_;
};

// Logits chunk for the head: at most ~16 MiB of logits at once, never (T, V).
int64_t logits_chunk(int64_t N, int64_t V);

}  // namespace lathe::model
