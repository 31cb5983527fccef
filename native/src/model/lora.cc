// LoRA adapters in memory: PEFT initialisation (A Kaiming-uniform a=√5 → U(±1/√in), B = 0), scaling alpha/r or
// alpha/√r (rsLoRA), and load/save in PEFT format (formats.md §3: names, [r, in] / [out, r] F32, adapter_config.json).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/platform.h"
#include "io/json.h"
#include "io/safetensors_writer.h"
#include "model/model.h"

namespace lathe::model {

namespace {

float lora_scale(double alpha, int64_t r, bool rslora) {
  return static_cast<float>(rslora ? alpha / std::sqrt(static_cast<double>(r)) : alpha / static_cast<double>(r));
}

std::string peft_name(int64_t layer, Module m, const char* ab) {
  return "base_model.model.model.layers." + std::to_string(layer) + "." + module_parent(m) + "." + module_name(m) + ".lora_" + ab + ".weight";
}

// Shortest decimal that reads back as the same float, always with a '.' so Python reads it as a float.
std::string fmt_double(double v) {
  char b[40];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(b, sizeof b, "%.*g", p, v);
    if (static_cast<float>(std::strtod(b, nullptr)) == static_cast<float>(v)) break;
  }
  std::string s = b;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

// PEFT's names of modules_to_save copies in adapter_model.safetensors (the wrapper's adapter name stripped).
constexpr const char* kEmbedName = "base_model.model.model.embed_tokens.weight";
constexpr const char* kHeadName = "base_model.model.lm_head.weight";

Status adapter_err(const std::string& path, const std::string& what) {
  return Status::error("bad_adapter", path + ": " + what, "Use a PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors) trained for this base model.");
}

}  // namespace

void Model::clear_lora() {
  for (auto& L : layers_)
    for (auto& m : L.lora) m = LoraModule{};
  temb_ = TrainableTable{};
  thead_ = TrainableTable{};
  train_tables_ = false;
  lora_cfg_ = LoraConfig{};
  adapter_loaded_ = false;
}

Status Model::init_lora(const LoraConfig& cfg) {
  LATHE_RETURN_IF_ERROR(need_backend());
  if (cfg.r < 1 || cfg.r > kMaxLoraRank) return Status::invalid("LoRA r must be in [1, " + std::to_string(kMaxLoraRank) + "] (got " + std::to_string(cfg.r) + ")", "Pick a rank such as 8, 16 or 64.");
  if (!(cfg.dropout >= 0.f && cfg.dropout < 1.f)) return Status::invalid("LoRA dropout must be in [0, 1)", "Use e.g. 0 or 0.05.");
  bool any = false;
  for (bool t : cfg.targets) any = any || t;
  if (!any) return Status::invalid("LoRA needs at least one target module (q, k, v, o, gate, up, down)", "Pass e.g. targets: ['q','k','v','o','gate','up','down'].");
  clear_lora();
  lora_cfg_ = cfg;
  Rng rng(cfg.seed ^ 0x4C6F5241ull);  // "LoRA": keeps adapter init independent of sampling seeds
  for (int64_t l = 0; l < cfg_.layers; ++l) {
    for (int m = 0; m < static_cast<int>(Module::count); ++m) {
      if (!cfg.targets[m]) continue;
      const cpu::WeightRef& w = layers_[l].lin[m].w;
      LoraModule& lm = layers_[l].lora[m];
      lm.r = cfg.r;
      lm.scale = lora_scale(cfg.alpha, cfg.r, cfg.rslora);
      LATHE_RETURN_IF_ERROR(lm.A.alloc(be_.get(), &tracker_, ArenaKind::lora, cfg.r * w.in));
      LATHE_RETURN_IF_ERROR(lm.B.alloc(be_.get(), &tracker_, ArenaKind::lora, w.out * cfg.r, /*zero=*/true));
      const double bound = 1.0 / std::sqrt(static_cast<double>(w.in));
      std::vector<float> a(static_cast<size_t>(lm.A.size()));  // drawn on the host, then uploaded
      for (float& x : a) x = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
      lm.A.upload(a.data(), lm.A.size());
    }
  }
  if (cfg.train_embeddings) LATHE_RETURN_IF_ERROR(init_tables());
  info_.lora_parameters = 0;
  for (auto& L : layers_)
    for (auto& m : L.lora) info_.lora_parameters += m.A.size() + m.B.size();
  info_.lora_parameters += temb_.p.size() + thead_.p.size();  // trainable embedding table / head
  return be_->sync();  // uploads to a device backend report their errors here
}

Status Model::load_adapter(const std::string& dir) {
  LATHE_RETURN_IF_ERROR(need_backend());
  namespace fs = std::filesystem;
  const std::string cfg_path = dir + "/adapter_config.json";
  const std::string st_path = dir + "/adapter_model.safetensors";
  std::error_code ec;
  if (!fs::exists(st_path, ec)) {
    if (fs::exists(dir + "/adapter_model.bin", ec))
      return Status::error("pickle_refused", dir + "/adapter_model.bin is a PyTorch pickle; Lathe never loads pickle files",
                           "Re-save the adapter with PEFT's save_pretrained(dir, safe_serialization=True).");
    return adapter_err(dir, "no adapter_model.safetensors found");
  }
  std::ifstream f(cfg_path, std::ios::binary);
  if (!f) return adapter_err(cfg_path, "cannot read adapter_config.json");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (text.size() > (16u << 20)) return adapter_err(cfg_path, "file too large");
  auto pr = io::parse_json(text.data(), text.size());
  if (!pr.ok || !pr.value.is_object()) return adapter_err(cfg_path, "invalid JSON" + (pr.ok ? std::string() : ": " + pr.error));
  const io::JsonValue& c = pr.value;
  const io::JsonValue* pt = c.get("peft_type");
  if (!pt || !pt->is_string() || pt->str != "LORA") return adapter_err(cfg_path, "field `peft_type` must be \"LORA\"");
  double alpha = 8;
  if (const io::JsonValue* a = c.get("lora_alpha"); a && !a->is_null()) {
    if (!a->is_number()) return adapter_err(cfg_path, "field `lora_alpha` must be a number");
    alpha = a->num;
  }
  bool rslora = false;
  if (const io::JsonValue* v = c.get("use_rslora"); v && v->is_bool()) rslora = v->b;
  if (const io::JsonValue* v = c.get("use_dora"); v && v->is_bool() && v->b) return adapter_err(cfg_path, "DoRA adapters (use_dora) are not supported");
  if (const io::JsonValue* v = c.get("fan_in_fan_out"); v && v->is_bool() && v->b) return adapter_err(cfg_path, "fan_in_fan_out adapters are not supported");
  if (const io::JsonValue* v = c.get("lora_bias"); v && v->is_bool() && v->b) return adapter_err(cfg_path, "lora_bias adapters are not supported");
  if (const io::JsonValue* v = c.get("alpha_pattern"); v && v->is_object() && !v->keys.empty()) return adapter_err(cfg_path, "alpha_pattern is not supported");
  // modules_to_save: full copies of the embedding table and/or the output head (what train_embeddings writes).
  bool save_embed = false, save_head = false;
  if (const io::JsonValue* v = c.get("modules_to_save"); v && v->is_array())
    for (const auto& item : v->items) {
      if (item.is_string() && item.str == "embed_tokens") save_embed = true;
      else if (item.is_string() && item.str == "lm_head") save_head = true;
      else return adapter_err(cfg_path, "modules_to_save may hold only \"embed_tokens\" and \"lm_head\" (got " + (item.is_string() ? "\"" + item.str + "\"" : std::string("a non-string")) + ")");
    }
  float dropout = 0.f;
  if (const io::JsonValue* v = c.get("lora_dropout"); v && v->is_number()) dropout = static_cast<float>(v->num);

  Status st;
  auto file = io::SafetensorsFile::open(st_path, st);
  if (!file) return st;
  // name → (layer, module, A|B)
  struct Pair { const io::StTensor* A = nullptr; const io::StTensor* B = nullptr; };
  std::map<std::pair<int64_t, int>, Pair> found;
  const io::StTensor* embed_t = nullptr;
  const io::StTensor* head_t = nullptr;
  for (const auto& t : file->tensors()) {
    if (save_embed && t.name == kEmbedName) { embed_t = &t; continue; }
    if (save_head && t.name == kHeadName) { head_t = &t; continue; }
    bool matched = false;
    for (int64_t l = 0; l < cfg_.layers && !matched; ++l)
      for (int m = 0; m < static_cast<int>(Module::count) && !matched; ++m)
        for (const char* ab : {"A", "B"})
          if (t.name == peft_name(l, static_cast<Module>(m), ab)) {
            (ab[0] == 'A' ? found[{l, m}].A : found[{l, m}].B) = &t;
            matched = true;
            break;
          }
    if (!matched) return adapter_err(st_path, "unexpected tensor \"" + t.name + "\" (only lora_A/lora_B of q,k,v,o,gate,up,down in layers 0.." + std::to_string(cfg_.layers - 1) + " are supported)");
  }
  if (found.empty()) return adapter_err(st_path, "no LoRA tensors found");
  for (const io::StTensor* t : {embed_t, head_t})
    if (t && (t->shape.size() != 2 || static_cast<int64_t>(t->shape[0]) != cfg_.vocab || static_cast<int64_t>(t->shape[1]) != cfg_.hidden))
      return adapter_err(st_path, "tensor " + t->name + " must have shape [" + std::to_string(cfg_.vocab) + ", " + std::to_string(cfg_.hidden) + "] (vocab, hidden)");
  if (save_embed != (embed_t != nullptr) || save_head != (head_t != nullptr))
    return adapter_err(st_path, std::string("modules_to_save names ") + (save_embed && !embed_t ? kEmbedName : kHeadName) + " but the file does not hold it (or holds it unnamed in modules_to_save)");
  // Validate everything before touching the current adapter.
  for (const auto& [key, pair] : found) {
    const auto [l, m] = key;
    const cpu::WeightRef& w = layers_[l].lin[m].w;
    if (!pair.A || !pair.B) return adapter_err(st_path, "module " + peft_name(l, static_cast<Module>(m), pair.A ? "B" : "A") + " is missing (lora_A and lora_B come in pairs)");
    const auto& as = pair.A->shape;
    const auto& bs = pair.B->shape;
    if (as.size() != 2 || bs.size() != 2 || as[0] == 0 || static_cast<int64_t>(as[1]) != w.in || static_cast<int64_t>(bs[0]) != w.out || bs[1] != as[0])
      return adapter_err(st_path, "tensor " + pair.A->name + " / lora_B shapes do not fit this base model (expected [r, " + std::to_string(w.in) + "] and [" + std::to_string(w.out) + ", r])");
  }
  clear_lora();
  LoraConfig lc;
  lc.alpha = alpha;
  lc.rslora = rslora;
  lc.dropout = dropout;
  for (const auto& [key, pair] : found) {
    const auto [l, m] = key;
    LoraModule& lm = layers_[l].lora[m];
    lm.r = static_cast<int64_t>(pair.A->shape[0]);
    lm.scale = lora_scale(alpha, lm.r, rslora);
    std::vector<float> a(pair.A->numel()), b(pair.B->numel());
    LATHE_RETURN_IF_ERROR(io::st_to_f32(*pair.A, a.data()));
    LATHE_RETURN_IF_ERROR(io::st_to_f32(*pair.B, b.data()));
    LATHE_RETURN_IF_ERROR(lm.A.alloc(be_.get(), &tracker_, ArenaKind::lora, static_cast<int64_t>(a.size())));
    LATHE_RETURN_IF_ERROR(lm.B.alloc(be_.get(), &tracker_, ArenaKind::lora, static_cast<int64_t>(b.size())));
    lm.A.upload(a.data(), lm.A.size());
    lm.B.upload(b.data(), lm.B.size());
    lc.targets[m] = true;
    lc.r = std::max(lc.r, lm.r);
  }
  if (embed_t || head_t) {
    std::vector<float> e, h;
    auto read = [&](const io::StTensor* t, std::vector<float>& out) -> Status {
      out.resize(t->numel());
      return io::st_to_f32(*t, out.data());
    };
    // A tied model has one table: the embedding copy serves as the head (or the head copy, when only it was saved).
    const io::StTensor* et = embed_t ? embed_t : (cfg_.tie_embeddings ? head_t : nullptr);
    if (et) LATHE_RETURN_IF_ERROR(read(et, e));
    if (head_t && !cfg_.tie_embeddings) LATHE_RETURN_IF_ERROR(read(head_t, h));
    lc.train_embeddings = true;
    lora_cfg_ = lc;
    LATHE_RETURN_IF_ERROR(init_tables(et ? &e : nullptr, head_t && !cfg_.tie_embeddings ? &h : nullptr));
  }
  lora_cfg_ = lc;
  adapter_loaded_ = true;
  info_.lora_parameters = 0;
  for (auto& L : layers_)
    for (auto& m : L.lora) info_.lora_parameters += m.A.size() + m.B.size();
  info_.lora_parameters += temb_.p.size() + thead_.p.size();  // trainable embedding table / head
  return be_->sync();  // uploads to a device backend report their errors here
}

Status Model::save_adapter(const std::string& dir, const std::string& base_model_name) const {
  namespace fs = std::filesystem;
  std::vector<io::F32TensorOut> out;
  std::vector<std::vector<float>> host;  // the adapter downloaded from the backend (checkpoint)
  host.reserve(2 * static_cast<size_t>(cfg_.layers) * static_cast<size_t>(Module::count) + 2);
  std::map<std::string, int64_t> ranks;  // module path → r, for rank_pattern when ranks differ
  int64_t r0 = 0;
  bool same_r = true;
  bool targets[static_cast<int>(Module::count)] = {};
  for (int64_t l = 0; l < cfg_.layers; ++l)
    for (int m = 0; m < static_cast<int>(Module::count); ++m) {
      const LoraModule& lm = layers_[l].lora[m];
      if (lm.r == 0) continue;
      const cpu::WeightRef& w = layers_[l].lin[m].w;
      host.push_back(lm.A.to_host());
      out.push_back({peft_name(l, static_cast<Module>(m), "A"), {static_cast<uint64_t>(lm.r), static_cast<uint64_t>(w.in)}, host.back().data()});
      host.push_back(lm.B.to_host());
      out.push_back({peft_name(l, static_cast<Module>(m), "B"), {static_cast<uint64_t>(w.out), static_cast<uint64_t>(lm.r)}, host.back().data()});
      targets[m] = true;
      if (r0 == 0) r0 = lm.r;
      if (lm.r != r0) same_r = false;
      ranks["model.layers." + std::to_string(l) + "." + module_parent(static_cast<Module>(m)) + "." + module_name(static_cast<Module>(m))] = lm.r;
    }
  if (train_tables_) {
    const uint64_t V = static_cast<uint64_t>(cfg_.vocab), C = static_cast<uint64_t>(cfg_.hidden);
    host.push_back(temb_.p.to_host());
    out.push_back({kEmbedName, {V, C}, host.back().data()});
    if (!cfg_.tie_embeddings) host.push_back(thead_.p.to_host());
    // A tied model saves its one trained table under both names, so PEFT replaces the head as well as the lookup.
    out.push_back({kHeadName, {V, C}, host.back().data()});
  }
  if (out.empty()) return Status::error("no_adapter", "the model has no LoRA adapter to save", "Load the model with a lora config or load an adapter first.");
  LATHE_RETURN_IF_ERROR(be_->sync());  // the downloads above must have succeeded
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::error(status_code::io_error, "cannot create " + dir + ": " + ec.message(), "Check the path and permissions.");
  LATHE_RETURN_IF_ERROR(io::write_safetensors_f32(dir + "/adapter_model.safetensors", out));
  // adapter_config.json the way PEFT writes it (indent 2, sorted keys), long-standing keys only.
  const double alpha = lora_cfg_.alpha;
  std::string alpha_s = (alpha == std::floor(alpha) && std::fabs(alpha) < 1e9) ? std::to_string(static_cast<int64_t>(alpha)) : fmt_double(alpha);
  std::string tm = "[";
  bool first = true;
  for (int m = 0; m < static_cast<int>(Module::count); ++m)
    if (targets[m]) { tm += std::string(first ? "\n" : ",\n") + "    \"" + module_name(static_cast<Module>(m)) + "\""; first = false; }
  tm += "\n  ]";
  std::string rp = "{}";
  if (!same_r) {
    rp = "{";
    bool f1 = true;
    for (const auto& [k, r] : ranks) { rp += std::string(f1 ? "\n" : ",\n") + "    " + io::json_quote(k) + ": " + std::to_string(r); f1 = false; }
    rp += "\n  }";
  }
  std::string j = "{\n";
  j += "  \"alpha_pattern\": {},\n";
  j += "  \"base_model_name_or_path\": " + io::json_quote(base_model_name) + ",\n";
  j += "  \"bias\": \"none\",\n";
  j += "  \"fan_in_fan_out\": false,\n";
  j += "  \"inference_mode\": true,\n";
  j += "  \"init_lora_weights\": true,\n";
  j += "  \"lora_alpha\": " + alpha_s + ",\n";
  j += "  \"lora_dropout\": " + fmt_double(lora_cfg_.dropout) + ",\n";
  j += std::string("  \"modules_to_save\": ") + (train_tables_ ? "[\n    \"embed_tokens\",\n    \"lm_head\"\n  ]" : "null") + ",\n";
  j += "  \"peft_type\": \"LORA\",\n";
  j += "  \"r\": " + std::to_string(r0) + ",\n";
  j += "  \"rank_pattern\": " + rp + ",\n";
  j += "  \"target_modules\": " + tm + ",\n";
  j += "  \"task_type\": \"CAUSAL_LM\",\n";
  j += "  \"use_rslora\": " + std::string(lora_cfg_.rslora ? "true" : "false") + "\n";
  j += "}\n";
  std::string err = write_file_atomic(dir + "/adapter_config.json", j.data(), j.size());
  if (!err.empty()) return Status::error(status_code::io_error, err, "Check that the folder is writable and the disk is not full.");
  return Status::Ok();
}

}  // namespace lathe::model
