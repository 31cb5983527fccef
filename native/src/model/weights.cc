// Loading a Hugging Face model folder: config.json, safetensors (single or sharded via the index), shape checks, and
// quantization of the frozen linear weights at load. Embeddings, norms and the head stay as stored (f16 becomes f32).
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "io/json.h"
#include "model/model.h"
#include "quant/bf16.h"

namespace lathe::model {

const char* quant_name(Quant q) {
  switch (q) {
    case Quant::none: return "none";
    case Quant::nf4: return "nf4";
    case Quant::int8: return "int8";
  }
  return "?";
}

const char* module_name(Module m) {
  static const char* names[] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
  return names[static_cast<int>(m)];
}
const char* module_parent(Module m) { return static_cast<int>(m) < 4 ? "self_attn" : "mlp"; }

namespace {

bool exists(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return f.good();
}

Status read_small_file(const std::string& path, size_t cap, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::error(status_code::io_error, "cannot read " + path, "Check that the file exists and is readable.");
  f.seekg(0, std::ios::end);
  std::streamoff n = f.tellg();
  if (n < 0 || static_cast<size_t>(n) > cap)
    return Status::error(status_code::bad_model, path + " is larger than " + std::to_string(cap) + " bytes", "This is not a valid model file.");
  f.seekg(0);
  out.resize(static_cast<size_t>(n));
  if (n > 0) f.read(out.data(), n);
  if (!f) return Status::error(status_code::io_error, "cannot read " + path, "Check that the file is readable.");
  return Status::Ok();
}

std::string shape_str(const std::vector<uint64_t>& s) {
  std::string o = "[";
  for (size_t i = 0; i < s.size(); ++i) o += (i ? ", " : "") + std::to_string(s[i]);
  return o + "]";
}

bool aligned(const void* p, size_t a) { return reinterpret_cast<uintptr_t>(p) % a == 0; }

}  // namespace

Model::~Model() {
  if (owned_quant_bytes_) tracker_.sub(ArenaKind::weights, owned_quant_bytes_);
}

Status Model::load_tensors(const std::string& dir, std::vector<std::unique_ptr<io::SafetensorsFile>>& files) {
  const std::string index = dir + "/model.safetensors.index.json";
  const std::string single = dir + "/model.safetensors";
  std::vector<std::string> shard_names;
  std::map<std::string, std::string> weight_map;
  if (exists(index)) {
    std::string text;
    LATHE_RETURN_IF_ERROR(read_small_file(index, 64u << 20, text));
    auto pr = io::parse_json(text.data(), text.size());
    if (!pr.ok) return Status::error(status_code::bad_model, index + ": invalid JSON: " + pr.error, "Re-download the model's index file.");
    const io::JsonValue* wm = pr.value.get("weight_map");
    if (!wm || !wm->is_object()) return Status::error(status_code::bad_model, index + ": field `weight_map` is missing or not an object", "Re-download the model's index file.");
    std::set<std::string> seen;
    for (size_t i = 0; i < wm->keys.size(); ++i) {
      const io::JsonValue& f = wm->values[i];
      if (!f.is_string()) return Status::error(status_code::bad_model, index + ": weight_map[\"" + wm->keys[i] + "\"] is not a file name", "Re-download the index file.");
      const std::string& name = f.str;
      if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos || name == ".." || name.empty())
        return Status::error(status_code::bad_model, index + ": shard name \"" + name + "\" must be a plain file name in the model folder", "The index file is damaged or hostile.");
      weight_map[wm->keys[i]] = name;
      if (seen.insert(name).second) shard_names.push_back(name);
    }
    if (shard_names.empty()) return Status::error(status_code::bad_model, index + ": weight_map is empty", "Re-download the index file.");
  } else if (exists(single)) {
    shard_names.push_back("model.safetensors");
  } else {
    for (const char* p : {"pytorch_model.bin", "pytorch_model.bin.index.json", "model.pt", "model.pth", "consolidated.00.pth"})
      if (exists(dir + "/" + p))
        return Status::error("pickle_refused", dir + " has only PyTorch pickle weights (" + p + "); Lathe never loads pickle files (unpickling can run arbitrary code)",
                             "Download the safetensors version of the model, or convert it with transformers: save_pretrained(dir, safe_serialization=True).");
    return Status::error(status_code::bad_model, dir + ": no model.safetensors or model.safetensors.index.json found",
                         "Point Lathe at a Hugging Face model folder with config.json and safetensors weights.");
  }
  for (const auto& s : shard_names) {
    Status st;
    auto f = io::SafetensorsFile::open(dir + "/" + s, st);
    if (!f) return st;
    files.push_back(std::move(f));
  }
  // Every tensor the index names must be in the shard it names.
  for (const auto& [tensor, shard] : weight_map) {
    for (auto& f : files) {
      if (f->path() == dir + "/" + shard && !f->find(tensor))
        return Status::error(status_code::bad_model, dir + "/model.safetensors.index.json: tensor \"" + tensor + "\" is not in " + shard,
                             "The index and the shards disagree; re-download the model.");
    }
  }
  return Status::Ok();
}

Status Model::make_vector(backend::Array<float>& dst, const io::StTensor* t, int64_t n, const std::string& name) {
  if (!t) return Status::error(status_code::bad_model, "missing tensor \"" + name + "\"", "The checkpoint does not match its config.json; re-download it.");
  if (t->shape.size() != 1 || static_cast<int64_t>(t->shape[0]) != n)
    return Status::error(status_code::bad_model, "tensor \"" + name + "\" has shape " + shape_str(t->shape) + ", expected [" + std::to_string(n) + "]",
                         "The checkpoint does not match its config.json.");
  std::vector<float> host(static_cast<size_t>(n));
  LATHE_RETURN_IF_ERROR(io::st_to_f32(*t, host.data()));
  LATHE_RETURN_IF_ERROR(dst.alloc(be_.get(), &tracker_, ArenaKind::weights, n));
  dst.upload(host.data(), n);
  return Status::Ok();
}

Status Model::make_table(cpu::WeightRef& ref, Buf<float>& own32, Buf<uint16_t>& own16, const io::StTensor* t, int64_t rows, int64_t cols) {
  if (t->shape.size() != 2 || static_cast<int64_t>(t->shape[0]) != rows || static_cast<int64_t>(t->shape[1]) != cols)
    return Status::error(status_code::bad_model, "tensor \"" + t->name + "\" has shape " + shape_str(t->shape) + ", expected [" +
                         std::to_string(rows) + ", " + std::to_string(cols) + "]", "The checkpoint does not match its config.json.");
  if (t->dtype == io::StDType::F32 && aligned(t->data, 4)) {
    ref = cpu::WeightRef::from_f32(reinterpret_cast<const float*>(t->data), rows, cols);
  } else if (t->dtype == io::StDType::BF16 && aligned(t->data, 2)) {
    ref = cpu::WeightRef::from_bf16(reinterpret_cast<const uint16_t*>(t->data), rows, cols);
  } else if (t->dtype == io::StDType::BF16) {
    own16.alloc(&tracker_, ArenaKind::weights, rows * cols);
    std::memcpy(own16.data(), t->data, rows * cols * 2);
    ref = cpu::WeightRef::from_bf16(own16.data(), rows, cols);
  } else {
    own32.alloc(&tracker_, ArenaKind::weights, rows * cols);
    LATHE_RETURN_IF_ERROR(io::st_to_f32(*t, own32.data()));
    ref = cpu::WeightRef::from_f32(own32.data(), rows, cols);
  }
  return Status::Ok();
}

Status Model::make_linear(Linear& lin, const io::StTensor* t, const io::StTensor* bias, int64_t out, int64_t in, bool quantize) {
  Buf<uint16_t> unused16;
  if (!quantize || quant_ == Quant::none) {
    LATHE_RETURN_IF_ERROR(make_table(lin.w, lin.owned_f32, lin.owned_bf16, t, out, in));
  } else {
    if (t->shape.size() != 2 || static_cast<int64_t>(t->shape[0]) != out || static_cast<int64_t>(t->shape[1]) != in)
      return Status::error(status_code::bad_model, "tensor \"" + t->name + "\" has shape " + shape_str(t->shape) + ", expected [" +
                           std::to_string(out) + ", " + std::to_string(in) + "]", "The checkpoint does not match its config.json.");
    // Source as f32 or bf16; f16 (or unaligned data) goes through a transient f32 copy counted as scratch.
    const float* src32 = nullptr;
    const uint16_t* src16 = nullptr;
    Buf<float> tmp;
    if (t->dtype == io::StDType::F32 && aligned(t->data, 4)) src32 = reinterpret_cast<const float*>(t->data);
    else if (t->dtype == io::StDType::BF16 && aligned(t->data, 2)) src16 = reinterpret_cast<const uint16_t*>(t->data);
    else {
      tmp.alloc(&tracker_, ArenaKind::scratch, out * in);
      LATHE_RETURN_IF_ERROR(io::st_to_f32(*t, tmp.data()));
      src32 = tmp.data();
    }
    if (quant_ == Quant::nf4) {
      LATHE_RETURN_IF_ERROR(quant::nf4_quantize(&lin.nf4, src32, src16, out, in, /*double_quant=*/true));
      lin.w = cpu::WeightRef::from_nf4(lin.nf4.view());
      owned_quant_bytes_ += lin.nf4.bytes();
      tracker_.add(ArenaKind::weights, lin.nf4.bytes());
    } else {
      LATHE_RETURN_IF_ERROR(quant::int8_quantize(&lin.i8, src32, src16, out, in));
      lin.w = cpu::WeightRef::from_int8(lin.i8.view());
      owned_quant_bytes_ += lin.i8.bytes();
      tracker_.add(ArenaKind::weights, lin.i8.bytes());
    }
  }
  if (bias) LATHE_RETURN_IF_ERROR(make_vector(lin.bias, bias, out, bias->name));
  lin.dw = be_->upload_weight(lin.w);
  return Status::Ok();
}

Status Model::read_config(const std::string& dir) {
  const std::string cfg_path = dir + "/config.json";
  std::string text;
  Status st = read_small_file(cfg_path, 16u << 20, text);
  if (!st.ok()) {
    st.code = "bad_config";
    st.hint = "Point Lathe at a Hugging Face model folder (it must contain config.json).";
    return st;
  }
  return parse_config(cfg_path, text.data(), text.size(), cfg_);
}

Status Model::load(const std::string& dir, const LoadOptions& opt, ThreadPool* pool, const CancelFlag& cancel) {
  pool_ = pool;
  quant_ = opt.quant;
  // A model loads once; drop anything a previous load left before its backend goes.
  free_acts();
  tr_mem_.release();
  tr_ = Train{};
  layers_.clear();
  final_norm_.release();
  LATHE_RETURN_IF_ERROR(backend::make_backend(opt.device, pool, be_));
  device_weights_ = std::string(be_->device()) != "cpu";
  max_seq_len_ = opt.max_seq_len;
  if (max_seq_len_ < 2 || max_seq_len_ > (int64_t(1) << 22))
    return Status::invalid("maxSeqLen must be between 2 and 4194304 (got " + std::to_string(max_seq_len_) + ")", "Pass a sensible maxSeqLen.");
  LATHE_RETURN_IF_ERROR(read_config(dir));
  LATHE_RETURN_IF_ERROR(load_tensors(dir, files_));

  std::map<std::string, const io::StTensor*> all;
  for (auto& f : files_)
    for (auto& t : f->tensors()) all[t.name] = &t;
  auto find = [&](const std::string& n) -> const io::StTensor* {
    auto it = all.find(n);
    return it == all.end() ? nullptr : it->second;
  };
  auto need = [&](const std::string& n, const io::StTensor*& out) -> Status {
    out = find(n);
    if (!out) return Status::error(status_code::bad_model, dir + ": missing tensor \"" + n + "\"", "The checkpoint does not match its config.json (" + std::string(arch_name(cfg_.arch)) + "); re-download it.");
    if (out->dtype != io::StDType::F32 && out->dtype != io::StDType::F16 && out->dtype != io::StDType::BF16)
      return Status::error("unsupported_dtype", dir + ": tensor \"" + n + "\" has dtype " + io::st_dtype_name(out->dtype) + "; Lathe loads F32, F16 and BF16 checkpoints",
                           "Use an unquantized (f32/f16/bf16) safetensors checkpoint.");
    return Status::Ok();
  };
  const auto& c = cfg_;
  const int64_t C = c.hidden, HD = c.head_dim, QD = c.n_heads * HD, KVD = c.n_kv_heads * HD, I = c.intermediate, V = c.vocab;

  const io::StTensor* t = nullptr;
  LATHE_RETURN_IF_ERROR(need("model.embed_tokens.weight", t));
  info_.storage_dtype = io::st_dtype_name(t->dtype);
  LATHE_RETURN_IF_ERROR(make_table(embed_, embed_f32_, embed_bf16_, t, V, C));
  const io::StTensor* head = find("lm_head.weight");
  if (c.tie_embeddings || !head) {
    if (!c.tie_embeddings)
      return Status::error(status_code::bad_model, dir + ": missing tensor \"lm_head.weight\" (tie_word_embeddings is false)",
                           "The checkpoint does not match its config.json; re-download it.");
    head_ = embed_;
  } else {
    LATHE_RETURN_IF_ERROR(need("lm_head.weight", head));
    LATHE_RETURN_IF_ERROR(make_table(head_, head_f32_, head_bf16_, head, V, C));
  }
  embed_w_ = be_->upload_weight(embed_);
  head_w_ = c.tie_embeddings ? embed_w_ : be_->upload_weight(head_);  // a tied head is the same device weight
  LATHE_RETURN_IF_ERROR(make_vector(final_norm_, find("model.norm.weight"), C, "model.norm.weight"));

  const int64_t outs[] = {QD, KVD, KVD, C, I, I, C};
  const int64_t ins[] = {C, C, C, QD, C, C, I};
  layers_.clear();
  layers_.resize(c.layers);
  int64_t params = V * C * (c.tie_embeddings ? 1 : 2) + C;
  for (int64_t l = 0; l < c.layers; ++l) {
    if (cancel && cancel->load()) return Status::error(status_code::cancelled, "loading " + dir + " was cancelled", "");
    Layer& L = layers_[l];
    const std::string pre = "model.layers." + std::to_string(l) + ".";
    LATHE_RETURN_IF_ERROR(make_vector(L.attn_norm, find(pre + "input_layernorm.weight"), C, pre + "input_layernorm.weight"));
    LATHE_RETURN_IF_ERROR(make_vector(L.ffn_norm, find(pre + "post_attention_layernorm.weight"), C, pre + "post_attention_layernorm.weight"));
    params += 2 * C;
    if (c.qk_norm) {
      LATHE_RETURN_IF_ERROR(make_vector(L.q_norm, find(pre + "self_attn.q_norm.weight"), HD, pre + "self_attn.q_norm.weight"));
      LATHE_RETURN_IF_ERROR(make_vector(L.k_norm, find(pre + "self_attn.k_norm.weight"), HD, pre + "self_attn.k_norm.weight"));
      params += 2 * HD;
    }
    for (int m = 0; m < static_cast<int>(Module::count); ++m) {
      const std::string base = pre + module_parent(static_cast<Module>(m)) + "." + module_name(static_cast<Module>(m));
      const io::StTensor* w = nullptr;
      LATHE_RETURN_IF_ERROR(need(base + ".weight", w));
      bool want_bias = (m < 3 && c.qkv_bias) || (m == 3 && c.o_bias) || (m >= 4 && c.mlp_bias);
      const io::StTensor* b = nullptr;
      if (want_bias) LATHE_RETURN_IF_ERROR(need(base + ".bias", b));
      LATHE_RETURN_IF_ERROR(make_linear(L.lin[m], w, b, outs[m], ins[m], true));
      params += outs[m] * ins[m] + (b ? outs[m] : 0);
    }
  }
  info_.parameters = params;
  // On a GPU the weights arena is device memory: the uploaded copies replace the host's owned nf4/int8 bytes there
  // (the tracker then measures what the plan, with device_weights_, predicts).
  if (device_weights_) tracker_.add(ArenaKind::weights, be_->weight_bytes() - owned_quant_bytes_);
  cpu::RopeScaling rs;
  if (c.rope.type == "llama3") rs.kind = cpu::RopeScaling::Kind::llama3;
  else if (c.rope.type == "linear") rs.kind = cpu::RopeScaling::Kind::linear;
  rs.factor = static_cast<float>(c.rope.factor);
  rs.low_freq_factor = static_cast<float>(c.rope.low_freq_factor);
  rs.high_freq_factor = static_cast<float>(c.rope.high_freq_factor);
  rs.original_max_position = static_cast<float>(c.rope.original_max_position_embeddings);
  inv_freq_.assign(static_cast<size_t>(HD / 2), 0.f);
  cpu::rope_inv_freq(inv_freq_.data(), HD, static_cast<float>(c.rope_theta), rs);
  if (opt.lora.r > 0) LATHE_RETURN_IF_ERROR(init_lora(opt.lora));
  return be_->sync();  // weight uploads to a device backend report their errors here
}

Status Model::dequantized_weight(int64_t layer, Module m, std::vector<float>& out) const {
  if (layer < 0 || layer >= static_cast<int64_t>(layers_.size())) return Status::invalid("layer " + std::to_string(layer) + " out of range");
  const cpu::WeightRef& w = layers_[layer].lin[static_cast<int>(m)].w;
  out.resize(static_cast<size_t>(w.out * w.in));
  for (int64_t r = 0; r < w.out; ++r) cpu::weight_row(out.data() + r * w.in, w, r, 0, w.in);
  return Status::Ok();
}

}  // namespace lathe::model
