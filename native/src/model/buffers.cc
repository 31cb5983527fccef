// The buffer tables (see buffers.h): infer_table and train_table list every per-call buffer once; a Sizer visit totals
// the bytes per arena (the memory plan), a Carver visit hands out 64-byte aligned slices of one allocation per arena.
#include "model/buffers.h"

#include <algorithm>

namespace lathe::model {

namespace {

constexpr int64_t pad64(int64_t bytes) { return (bytes + 63) / 64 * 64; }
constexpr auto kAct = ArenaKind::activations;
constexpr auto kScr = ArenaKind::scratch;

struct Sizer {
  ArenaBytes bytes{};
  template <typename T>
  void operator()(ArenaKind k, int64_t n, DPtr<T>&) {
    if (n > 0) bytes[static_cast<int>(k)] += pad64(n * static_cast<int64_t>(sizeof(T)));
  }
};

struct Carver {
  std::array<void*, static_cast<int>(ArenaKind::count)> base{};
  ArenaBytes used{};
  template <typename T>
  void operator()(ArenaKind k, int64_t n, DPtr<T>& slot) {
    const int a = static_cast<int>(k);
    if (n <= 0) { slot = {}; return; }
    slot = DPtr<T>{base[a], used[a] / static_cast<int64_t>(sizeof(T))};
    used[a] += pad64(n * static_cast<int64_t>(sizeof(T)));
  }
};

template <typename Visit>
void infer_table(const ModelConfig& c, const InferDims& d, InferBufs& b, Visit& v) {
  const int64_t C = c.hidden, HD = c.head_dim, QD = c.n_heads * HD, KVD = c.n_kv_heads * HD, I = c.intermediate;
  const int64_t N = d.N, P = d.P;
  v(kAct, N, b.ids);
  v(kAct, N, b.pos);
  v(kAct, N, b.targets);
  v(kAct, N * C, b.x);
  v(kAct, N * C, b.h);
  v(kAct, N * QD, b.q);
  v(kAct, N * QD, b.att);
  v(kAct, N * I, b.g);
  v(kAct, N * I, b.u);
  // With one cached sequence k/v go straight to the cache; several go through (N, KVD) first, then row by row.
  v(kAct, d.cache && d.batch == 1 ? 0 : N * KVD, b.k);
  v(kAct, d.cache && d.batch == 1 ? 0 : N * KVD, b.v);
  v(kAct, c.qk_norm ? N * KVD : 0, b.kn);
  v(kAct, N, b.rstd);
  v(kAct, c.qk_norm ? N * (c.n_heads + c.n_kv_heads) : 0, b.qk_rstd);
  v(kAct, N, b.logp);
  v(kAct, P * (HD / 2), b.cos);
  v(kAct, P * (HD / 2), b.sin);
  v(kScr, d.chunk * c.vocab, b.logits);
  v(kScr, N * d.max_rank, b.lora_u);
  v(ArenaKind::kv_cache, d.cache ? d.batch * c.layers * P * KVD : 0, b.kcache);
  v(ArenaKind::kv_cache, d.cache ? d.batch * c.layers * P * KVD : 0, b.vcache);
}

template <typename Visit>
void layer_table(const ModelConfig& c, const TrainDims& d, LayerBufs& S, Visit& v) {
  const int64_t C = c.hidden, QD = c.n_heads * c.head_dim, KVD = c.n_kv_heads * c.head_dim, I = c.intermediate;
  const int64_t N = d.B * d.T;
  v(kAct, N * C, S.h1);
  v(kAct, N, S.rstd1);
  v(kAct, c.qk_norm ? N * QD : 0, S.qraw);
  v(kAct, c.qk_norm ? N * KVD : 0, S.kraw);
  v(kAct, c.qk_norm ? N * (c.n_heads + c.n_kv_heads) : 0, S.qkr);
  v(kAct, N * QD, S.q);
  v(kAct, N * KVD, S.k);
  v(kAct, N * KVD, S.v);
  v(kAct, N * QD, S.att);
  v(kAct, d.B * c.n_heads * d.T, S.lse);
  v(kAct, N * C, S.xmid);
  v(kAct, N * C, S.h2);
  v(kAct, N, S.rstd2);
  v(kAct, N * I, S.g);
  v(kAct, N * I, S.u);
  v(kAct, N * I, S.a);
  for (int m = 0; m < 7; ++m) v(kAct, N * d.rank[m], S.lu[m]);
}

template <typename Visit>
void train_table(const ModelConfig& c, const TrainDims& d, TrainBufs& b, Visit& v) {
  const int64_t C = c.hidden, HD = c.head_dim, QD = c.n_heads * HD, KVD = c.n_kv_heads * HD, I = c.intermediate;
  const int64_t N = d.B * d.T;
  v(kAct, N, b.ids);
  v(kAct, N, b.targets);
  v(kAct, N, b.pos);
  v(kAct, N, b.seg);
  v(kAct, N, b.logp);
  v(kScr, N, b.seeds);
  v(kAct, ckpt_slots(c, d) * N * C, b.ckpt);
  v(kAct, N * C, b.hf);
  v(kAct, N, b.rstdf);
  v(kAct, N, b.lse);
  v(kAct, d.T * (HD / 2), b.cos);
  v(kAct, d.T * (HD / 2), b.sin);
  b.saved.resize(d.checkpointing ? 1 : static_cast<size_t>(c.layers));
  for (LayerBufs& S : b.saved) layer_table(c, d, S, v);
  v(kScr, d.chunk * c.vocab, b.logits);
  for (DPtr<float>* p : {&b.dx, &b.dx2, &b.dh, &b.xtmp}) v(kScr, N * C, *p);
  v(kScr, N * QD, b.dq);
  v(kScr, N * QD, b.datt);
  v(kScr, N * KVD, b.dk);
  v(kScr, N * KVD, b.dv);
  v(kScr, N * I, b.dg);
  v(kScr, N * I, b.du);
  v(kScr, N * I, b.da);
  v(kScr, c.qk_norm ? N * QD : 0, b.dqraw);
  v(kScr, c.qk_norm ? N * KVD : 0, b.dkraw);
}

}  // namespace

int64_t logits_chunk(int64_t N, int64_t V) {
  int64_t c = std::max<int64_t>(1, (int64_t(16) << 20) / (4 * V));
  return std::min<int64_t>({c, 256, std::max<int64_t>(N, 1)});
}

int64_t ckpt_slots(const ModelConfig& c, const TrainDims& d) { return d.offload ? 2 : c.layers + 1; }

int64_t offload_host_bytes(const ModelConfig& c, const TrainDims& d) {
  return d.offload ? c.layers * d.B * d.T * c.hidden * static_cast<int64_t>(sizeof(float)) : 0;
}

ArenaBytes infer_bytes(const ModelConfig& c, const InferDims& d) {
  InferBufs b;
  Sizer s;
  infer_table(c, d, b, s);
  return s.bytes;
}

ArenaBytes train_bytes(const ModelConfig& c, const TrainDims& d) {
  TrainBufs b;
  Sizer s;
  train_table(c, d, b, s);
  return s.bytes;
}

Status BufferSet::alloc(backend::Backend* be, MemTracker* tr, const ArenaBytes& bytes) {
  release();
  for (int a = 0; a < static_cast<int>(ArenaKind::count); ++a)
    LATHE_RETURN_IF_ERROR(arenas_[a].alloc(be, tr, static_cast<ArenaKind>(a), bytes[a]));
  return Status::Ok();
}

void BufferSet::release() {
  for (auto& a : arenas_) a.release();
}

Status BufferSet::alloc_infer(backend::Backend* be, MemTracker* tr, const ModelConfig& c, const InferDims& d, InferBufs& b) {
  LATHE_RETURN_IF_ERROR(alloc(be, tr, infer_bytes(c, d)));
  Carver cv;
  for (int a = 0; a < static_cast<int>(ArenaKind::count); ++a) cv.base[a] = arenas_[a].ptr().h;
  infer_table(c, d, b, cv);
  // Inference keeps nothing for backward, so the layer forward writes through a few reused buffers.
  LayerBufs& L = b.layer;
  L = LayerBufs{};
  L.h1 = L.ao = L.h2 = L.dn = b.h;
  L.rstd1 = L.rstd2 = b.rstd;
  L.qraw = b.att;  // Qwen3: the raw q projection, normed into q before attention writes att
  L.kraw = b.kn;
  L.qkr = b.qk_rstd;
  L.q = b.q;
  L.k = b.k;
  L.v = b.v;
  L.att = b.att;
  L.xmid = b.x;
  L.g = L.a = b.g;
  L.u = b.u;
  for (auto& lu : L.lu) lu = b.lora_u;
  return Status::Ok();
}

Status BufferSet::alloc_train(backend::Backend* be, MemTracker* tr, const ModelConfig& c, const TrainDims& d, TrainBufs& b) {
  LATHE_RETURN_IF_ERROR(alloc(be, tr, train_bytes(c, d)));
  Carver cv;
  for (int a = 0; a < static_cast<int>(ArenaKind::count); ++a) cv.base[a] = arenas_[a].ptr().h;
  train_table(c, d, b, cv);
  for (LayerBufs& S : b.saved) S.ao = S.xmid;  // the o projection lands in xmid, then xmid += xin
  return Status::Ok();
}

}  // namespace lathe::model
