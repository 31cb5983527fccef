// Full training state (LoRA weights, AdamW moments, step, dropout-seed counter) in one checksummed file, written
// atomically. Layout (little-endian): "LATHETRS" u32 version u32 module_count u64 step u64 rng f64 alpha f32 dropout
// u32 rslora, then per module {u32 layer, u32 module, u32 r, u32 in, u32 out, f32 A[r*in], B[out*r], mA, vA, mB, vB},
// then, only when the embedding table (and head) are trained, "EMBD" u32 tables (1 tied, 2 untied) u32 V u32 C and per
// table f32 p[V*C], m, v; then u64 FNV-1a of everything before it. Files without the section are read as before.
#include <cmath>
#include <cstring>
#include <fstream>

#include "core/platform.h"
#include "model/model.h"

namespace lathe::model {

namespace {

constexpr char kMagic[8] = {'L', 'A', 'T', 'H', 'E', 'T', 'R', 'S'};
constexpr uint32_t kVersion = 1;
constexpr char kTables[4] = {'E', 'M', 'B', 'D'};

uint64_t fnv1a(const uint8_t* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

template <typename T>
void put(std::vector<uint8_t>& b, T v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  b.insert(b.end(), p, p + sizeof(T));
}
void put_floats(std::vector<uint8_t>& b, const float* p, int64_t n) {
  const auto* q = reinterpret_cast<const uint8_t*>(p);
  b.insert(b.end(), q, q + n * 4);
}

struct Reader {
  const uint8_t* p;
  size_t left;
  template <typename T>
  bool get(T& v) {
    if (left < sizeof(T)) return false;
    std::memcpy(&v, p, sizeof(T));
    p += sizeof(T);
    left -= sizeof(T);
    return true;
  }
  bool floats(float* dst, int64_t n) {
    if (n < 0 || left / 4 < static_cast<size_t>(n)) return false;
    std::memcpy(dst, p, n * 4);
    p += n * 4;
    left -= n * 4;
    return true;
  }
};

}  // namespace

Status Model::save_state(const std::string& path, uint64_t rng) const {
  std::vector<uint8_t> b(kMagic, kMagic + 8);
  put<uint32_t>(b, kVersion);
  uint32_t count = 0;
  for (const auto& L : layers_)
    for (const auto& m : L.lora) count += m.r > 0 ? 1 : 0;
  if (count == 0) return Status::error("no_adapter", "there is no LoRA adapter to save", "Load the model with a lora config first.");
  put<uint32_t>(b, count);
  put<uint64_t>(b, static_cast<uint64_t>(train_step_));
  put<uint64_t>(b, rng);
  put<double>(b, lora_cfg_.alpha);
  put<float>(b, lora_cfg_.dropout);
  put<uint32_t>(b, lora_cfg_.rslora ? 1 : 0);
  for (int64_t l = 0; l < cfg_.layers; ++l)
    for (int m = 0; m < static_cast<int>(Module::count); ++m) {
      const LoraModule& lm = layers_[l].lora[m];
      if (lm.r == 0) continue;
      const cpu::WeightRef& w = layers_[l].lin[m].w;
      put<uint32_t>(b, static_cast<uint32_t>(l));
      put<uint32_t>(b, static_cast<uint32_t>(m));
      put<uint32_t>(b, static_cast<uint32_t>(lm.r));
      put<uint32_t>(b, static_cast<uint32_t>(w.in));
      put<uint32_t>(b, static_cast<uint32_t>(w.out));
      put_floats(b, lm.A.to_host().data(), lm.A.size());
      put_floats(b, lm.B.to_host().data(), lm.B.size());
      // Moments are zero until the first step (and absent before the first forward).
      for (const backend::Array<float>* mo : {&lm.mA, &lm.vA}) {
        if (mo->size() == lm.A.size()) put_floats(b, mo->to_host().data(), mo->size());
        else b.insert(b.end(), static_cast<size_t>(lm.A.size()) * 4, 0);
      }
      for (const backend::Array<float>* mo : {&lm.mB, &lm.vB}) {
        if (mo->size() == lm.B.size()) put_floats(b, mo->to_host().data(), mo->size());
        else b.insert(b.end(), static_cast<size_t>(lm.B.size()) * 4, 0);
      }
    }
  if (train_tables_) {
    b.insert(b.end(), kTables, kTables + 4);
    put<uint32_t>(b, cfg_.tie_embeddings ? 1 : 2);
    put<uint32_t>(b, static_cast<uint32_t>(cfg_.vocab));
    put<uint32_t>(b, static_cast<uint32_t>(cfg_.hidden));
    for (const TrainableTable* t : {&temb_, &thead_}) {
      if (!t->p.size()) continue;
      put_floats(b, t->p.to_host().data(), t->p.size());
      for (const backend::Array<float>* mo : {&t->m, &t->v}) {
        if (mo->size() == t->p.size()) put_floats(b, mo->to_host().data(), mo->size());
        else b.insert(b.end(), static_cast<size_t>(t->p.size()) * 4, 0);
      }
    }
  }
  put<uint64_t>(b, fnv1a(b.data(), b.size()));
  LATHE_RETURN_IF_ERROR(be_->sync());  // a failed device download must never be written as a checkpoint
  std::string err = write_file_atomic(path, b.data(), b.size());
  if (!err.empty()) return Status::error(status_code::io_error, err, "Check that the folder is writable and the disk is not full.");
  return Status::Ok();
}

Status Model::load_state(const std::string& path, uint64_t& rng) {
  LATHE_RETURN_IF_ERROR(need_backend());
  auto bad = [&](const std::string& what) {
    return Status::error("bad_state", path + ": " + what, "The training state file is damaged or belongs to another model; resume from an earlier checkpoint.");
  };
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::error(status_code::io_error, "cannot read " + path, "Check the path.");
  std::vector<uint8_t> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (b.size() < 8 + 4 + 4 + 8 + 8 + 8 + 4 + 4 + 8 || std::memcmp(b.data(), kMagic, 8) != 0) return bad("not a Lathe training state file (bad magic)");
  uint64_t sum;
  std::memcpy(&sum, b.data() + b.size() - 8, 8);
  if (sum != fnv1a(b.data(), b.size() - 8)) return bad("checksum mismatch (truncated or corrupted)");
  Reader r{b.data() + 8, b.size() - 16};
  uint32_t version, count, rs;
  uint64_t step;
  double alpha;
  float dropout;
  r.get(version);
  if (version != kVersion) return bad("unsupported version " + std::to_string(version));
  r.get(count);
  r.get(step);
  r.get(rng);
  r.get(alpha);
  r.get(dropout);
  r.get(rs);
  // Parse everything into temporaries first: a bad file leaves the model untouched.
  struct Mod { uint32_t l, m, r; std::vector<float> A, B, mA, vA, mB, vB; };
  std::vector<Mod> mods;
  for (uint32_t i = 0; i < count; ++i) {
    Mod md;
    uint32_t in, out;
    if (!r.get(md.l) || !r.get(md.m) || !r.get(md.r) || !r.get(in) || !r.get(out)) return bad("truncated module header");
    if (md.l >= static_cast<uint32_t>(cfg_.layers) || md.m >= 7) return bad("module index out of range");
    const cpu::WeightRef& w = layers_[md.l].lin[md.m].w;
    if (in != w.in || out != w.out || md.r == 0 || md.r > 4096) return bad("module shapes do not match this model");
    const int64_t na = int64_t(md.r) * in, nb = int64_t(out) * md.r;
    for (auto* v : {&md.A, &md.mA, &md.vA}) v->resize(na);
    for (auto* v : {&md.B, &md.mB, &md.vB}) v->resize(nb);
    if (!r.floats(md.A.data(), na) || !r.floats(md.B.data(), nb) || !r.floats(md.mA.data(), na) || !r.floats(md.vA.data(), na) ||
        !r.floats(md.mB.data(), nb) || !r.floats(md.vB.data(), nb))
      return bad("truncated tensor data");
    mods.push_back(std::move(md));
  }
  // The trainable tables' section, when present.
  struct Table { std::vector<float> p, m, v; };
  std::vector<Table> tables;
  if (r.left >= 4 && std::memcmp(r.p, kTables, 4) == 0) {
    r.p += 4;
    r.left -= 4;
    uint32_t n = 0, V = 0, C = 0;
    if (!r.get(n) || !r.get(V) || !r.get(C)) return bad("truncated embedding section");
    if (n != (cfg_.tie_embeddings ? 1u : 2u) || V != static_cast<uint32_t>(cfg_.vocab) || C != static_cast<uint32_t>(cfg_.hidden))
      return bad("embedding tables do not match this model");
    const int64_t nn = int64_t(V) * C;
    for (uint32_t i = 0; i < n; ++i) {
      Table t;
      for (auto* v : {&t.p, &t.m, &t.v}) {
        v->resize(nn);
        if (!r.floats(v->data(), nn)) return bad("truncated embedding tables");
      }
      tables.push_back(std::move(t));
    }
  }
  if (r.left != 0) return bad("trailing bytes");
  clear_lora();
  LoraConfig lc;
  lc.alpha = alpha;
  lc.dropout = dropout;
  lc.rslora = rs != 0;
  for (auto& md : mods) {
    LoraModule& lm = layers_[md.l].lora[md.m];
    lm.r = md.r;
    lm.scale = static_cast<float>(lc.rslora ? alpha / std::sqrt(static_cast<double>(md.r)) : alpha / md.r);
    LATHE_RETURN_IF_ERROR(lm.A.alloc(be_.get(), &tracker_, ArenaKind::lora, static_cast<int64_t>(md.A.size())));
    LATHE_RETURN_IF_ERROR(lm.B.alloc(be_.get(), &tracker_, ArenaKind::lora, static_cast<int64_t>(md.B.size())));
    lm.A.upload(md.A.data(), lm.A.size());
    lm.B.upload(md.B.data(), lm.B.size());
    lc.targets[md.m] = true;
    lc.r = std::max<int64_t>(lc.r, md.r);
  }
  lc.train_embeddings = !tables.empty();
  lora_cfg_ = lc;
  adapter_loaded_ = true;
  if (!tables.empty()) LATHE_RETURN_IF_ERROR(init_tables(&tables[0].p, tables.size() > 1 ? &tables[1].p : nullptr));
  LATHE_RETURN_IF_ERROR(ensure_grads());
  for (size_t i = 0; i < tables.size(); ++i) {
    TrainableTable& t = i == 0 ? temb_ : thead_;
    t.m.upload(tables[i].m.data(), t.m.size());
    t.v.upload(tables[i].v.data(), t.v.size());
  }
  for (auto& md : mods) {
    LoraModule& lm = layers_[md.l].lora[md.m];
    lm.mA.upload(md.mA.data(), lm.mA.size());
    lm.vA.upload(md.vA.data(), lm.vA.size());
    lm.mB.upload(md.mB.data(), lm.mB.size());
    lm.vB.upload(md.vB.data(), lm.vB.size());
  }
  train_step_ = static_cast<int64_t>(step);
  tr_.has_grads = false;
  tr_.pending = false;
  info_.lora_parameters = 0;
  for (auto& L : layers_)
    for (auto& m : L.lora) info_.lora_parameters += m.A.size() + m.B.size();
  info_.lora_parameters += temb_.p.size() + thead_.p.size();  // trainable embedding table / head
  return be_->sync();
}

}  // namespace lathe::model
