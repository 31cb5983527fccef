// config.json → ModelConfig with field-named errors; defaults follow transformers' configuration classes.
#include "model/config.h"

#include <cmath>

#include "io/json.h"

namespace lathe::model {

using io::JsonValue;

const char* arch_name(Arch a) {
  switch (a) {
    case Arch::llama: return "llama";
    case Arch::mistral: return "mistral";
    case Arch::qwen2: return "qwen2";
    case Arch::qwen3: return "qwen3";
  }
  return "?";
}

namespace {

struct Reader {
  const std::string& path;
  const JsonValue& root;
  Status st;

  Status field_err(const std::string& field, const std::string& what) {
    return Status::error("bad_config", path + ": field `" + field + "` " + what,
                         "Fix config.json (it must be the Hugging Face config of a Llama, Mistral, Qwen2 or Qwen3 model).");
  }
  // Positive (or non-negative) integer field. required=false keeps `out` when absent or null.
  bool integer(const JsonValue& obj, const std::string& key, int64_t& out, bool required, int64_t min_value = 1,
               const std::string& prefix = "") {
    if (!st.ok()) return false;
    const JsonValue* v = obj.get(key);
    if (!v || v->is_null()) {
      if (required) st = field_err(prefix + key, "is missing");
      return !required;
    }
    if (!v->is_number() || !v->num_is_integer || std::fabs(v->num) > 1e15) {
      st = field_err(prefix + key, "must be an integer");
      return false;
    }
    int64_t x = static_cast<int64_t>(v->num);
    if (x < min_value) {
      st = field_err(prefix + key, "must be at least " + std::to_string(min_value) + " (got " + std::to_string(x) + ")");
      return false;
    }
    out = x;
    return true;
  }
  bool number(const JsonValue& obj, const std::string& key, double& out, bool required, const std::string& prefix = "") {
    if (!st.ok()) return false;
    const JsonValue* v = obj.get(key);
    if (!v || v->is_null()) {
      if (required) st = field_err(prefix + key, "is missing");
      return !required;
    }
    if (!v->is_number() || !std::isfinite(v->num)) {
      st = field_err(prefix + key, "must be a number");
      return false;
    }
    out = v->num;
    return true;
  }
  bool boolean(const JsonValue& obj, const std::string& key, bool& out) {
    if (!st.ok()) return false;
    const JsonValue* v = obj.get(key);
    if (!v || v->is_null()) return true;
    if (!v->is_bool()) {
      st = field_err(key, "must be true or false");
      return false;
    }
    out = v->b;
    return true;
  }
};

// Picks the architecture from model_type; anything outside the four supported decoders is refused here, first.
Status read_arch(Reader& r, ModelConfig& c) {
  const JsonValue* mt = r.root.get("model_type");
  if (!mt || !mt->is_string()) return r.field_err("model_type", "is missing or not a string");
  c.model_type = mt->str;
  if (c.model_type == "llama") c.arch = Arch::llama;
  else if (c.model_type == "mistral") c.arch = Arch::mistral;
  else if (c.model_type == "qwen2") c.arch = Arch::qwen2;
  else if (c.model_type == "qwen3") c.arch = Arch::qwen3;
  else
    return Status::error("unsupported_model", r.path + ": model_type \"" + c.model_type + "\" is not supported; supported: llama, mistral, qwen2, qwen3",
                         "Pick a Llama 2/3, Mistral, Qwen2/2.5, Qwen3, SmolLM or TinyLlama checkpoint.");
  return Status::Ok();
}

// The sizes every decoder needs; num_key_value_heads defaults to num_attention_heads (no GQA).
Status read_required_dimensions(Reader& r, ModelConfig& c) {
  r.integer(r.root, "vocab_size", c.vocab, true);
  r.integer(r.root, "hidden_size", c.hidden, true);
  r.integer(r.root, "intermediate_size", c.intermediate, true);
  r.integer(r.root, "num_hidden_layers", c.layers, true);
  r.integer(r.root, "num_attention_heads", c.n_heads, true);
  if (!r.st.ok()) return r.st;
  c.n_kv_heads = c.n_heads;
  r.integer(r.root, "num_key_value_heads", c.n_kv_heads, false);
  return r.st;
}

// head_dim: explicit when given, else 128 on Qwen3 (transformers' Qwen3Config default), else hidden / heads.
Status read_head_dim(Reader& r, ModelConfig& c) {
  c.head_dim = c.arch == Arch::qwen3 ? 128 : 0;
  const JsonValue* hd = r.root.get("head_dim");
  if (hd && !hd->is_null()) r.integer(r.root, "head_dim", c.head_dim, true);
  else if (c.arch != Arch::qwen3) {
    if (c.hidden % c.n_heads != 0) return r.field_err("hidden_size", "must be divisible by num_attention_heads when head_dim is absent");
    c.head_dim = c.hidden / c.n_heads;
  }
  return r.st;
}

// Cross-field checks on the dimensions, and caps that keep a hostile config from sizing absurd buffers.
Status check_dimensions(Reader& r, const ModelConfig& c) {
  if (c.n_heads % c.n_kv_heads != 0) return r.field_err("num_key_value_heads", "must divide num_attention_heads");
  if (c.head_dim % 2 != 0) return r.field_err("head_dim", "must be even (RoPE rotates pairs)");
  if (c.layers > 1024) return r.field_err("num_hidden_layers", "is implausibly large (> 1024)");
  if (c.vocab > (int64_t(1) << 24) || c.hidden > (int64_t(1) << 17) || c.intermediate > (int64_t(1) << 19) || c.n_heads > 1024 || c.head_dim > 1024)
    return r.field_err("hidden_size/intermediate_size/vocab_size/num_attention_heads", "are implausibly large");
  return Status::Ok();
}

// rms_norm_eps and the top-level rope_theta, with transformers' defaults when absent.
Status read_norm_eps_and_rope_theta(Reader& r, ModelConfig& c) {
  c.rms_eps = 1e-6;
  r.number(r.root, "rms_norm_eps", c.rms_eps, false);
  if (r.st.ok() && !(c.rms_eps > 0)) return r.field_err("rms_norm_eps", "must be positive");
  c.rope_theta = 10000.0;
  r.number(r.root, "rope_theta", c.rope_theta, false);
  return r.st;
}

// Where RoPE scaling is declared: rope_scaling (v4) or rope_parameters (v5: also carries rope_theta).
struct RopeSource {
  const JsonValue* obj;  // may be null or JSON null: no scaling
  std::string name;      // the field name used in errors
};

// Finds the rope scaling object (rope_scaling wins over rope_parameters) and applies rope_parameters.rope_theta.
Status find_rope_source(Reader& r, ModelConfig& c, RopeSource& src) {
  src = {r.root.get("rope_scaling"), "rope_scaling"};
  const JsonValue* rp = r.root.get("rope_parameters");
  if (rp && rp->is_object()) {
    r.number(*rp, "rope_theta", c.rope_theta, false, "rope_parameters.");
    if (!src.obj || src.obj->is_null()) src = {rp, "rope_parameters"};
  }
  if (!r.st.ok()) return r.st;
  if (!(c.rope_theta > 0)) return r.field_err("rope_theta", "must be positive");
  return Status::Ok();
}

// llama3 scaling: all four parameters are required, and the high-frequency factor must exceed the low one.
Status read_llama3_rope(Reader& r, const JsonValue& rs, const std::string& pre, RopeScaling& rope) {
  rope.type = "llama3";
  r.number(rs, "factor", rope.factor, true, pre);
  r.number(rs, "low_freq_factor", rope.low_freq_factor, true, pre);
  r.number(rs, "high_freq_factor", rope.high_freq_factor, true, pre);
  r.integer(rs, "original_max_position_embeddings", rope.original_max_position_embeddings, true, 1, pre);
  if (!r.st.ok()) return r.st;
  if (!(rope.high_freq_factor > rope.low_freq_factor)) return r.field_err(pre + "high_freq_factor", "must be greater than low_freq_factor");
  if (!(rope.factor > 0)) return r.field_err(pre + "factor", "must be positive");
  return Status::Ok();
}

// The rope scaling object: type default (none), linear or llama3; any other type is refused.
Status read_rope_scaling(Reader& r, const RopeSource& src, RopeScaling& rope) {
  const JsonValue* rs = src.obj;
  if (!rs || rs->is_null()) return Status::Ok();
  if (!rs->is_object()) return r.field_err(src.name, "must be an object or null");
  const JsonValue* t = rs->get("rope_type");
  if (!t || t->is_null()) t = rs->get("type");
  std::string type = t && t->is_string() ? t->str : "default";
  const std::string pre = src.name + ".";
  if (type == "default") {
    rope.type = "none";
  } else if (type == "llama3") {
    return read_llama3_rope(r, *rs, pre, rope);
  } else if (type == "linear") {
    rope.type = "linear";
    r.number(*rs, "factor", rope.factor, true, pre);
    if (!r.st.ok()) return r.st;
    if (!(rope.factor > 0)) return r.field_err(pre + "factor", "must be positive");
  } else {
    return Status::error("unsupported_model", r.path + ": " + src.name + " type \"" + type + "\" is not supported; supported: default, linear, llama3",
                         "Use a checkpoint with default, linear or llama3 RoPE scaling.");
  }
  return Status::Ok();
}

// Tied embeddings and the bias/norm layout, which is fixed by architecture except where attention_bias decides.
Status read_biases_and_ties(Reader& r, ModelConfig& c) {
  r.boolean(r.root, "tie_word_embeddings", c.tie_embeddings);
  bool attention_bias = false;
  r.boolean(r.root, "attention_bias", attention_bias);
  r.boolean(r.root, "mlp_bias", c.mlp_bias);
  if (!r.st.ok()) return r.st;
  switch (c.arch) {
    case Arch::llama: case Arch::mistral: c.qkv_bias = attention_bias; c.o_bias = attention_bias; break;
    case Arch::qwen2: c.qkv_bias = true; c.o_bias = false; c.mlp_bias = false; break;
    case Arch::qwen3: c.qkv_bias = attention_bias; c.o_bias = attention_bias; c.qk_norm = true; c.mlp_bias = false; break;
  }
  return Status::Ok();
}

// The engine implements SiLU only; torch_dtype (or v5's dtype) is kept as information.
Status read_activation_and_dtype(Reader& r, ModelConfig& c) {
  const JsonValue* act = r.root.get("hidden_act");
  if (act && act->is_string() && act->str != "silu")
    return Status::error("unsupported_model", r.path + ": hidden_act \"" + act->str + "\" is not supported (only silu)", "Use a Llama-family checkpoint.");
  const JsonValue* dt = r.root.get("torch_dtype");
  if (!dt || !dt->is_string()) dt = r.root.get("dtype");
  if (dt && dt->is_string()) c.torch_dtype = dt->str;
  return Status::Ok();
}

}  // namespace

// Each step returns the first error it meets; the order of the steps is the order errors are reported in.
Status parse_config(const std::string& path, const char* text, size_t size, ModelConfig& c) {
  if (!io::valid_utf8(text, size)) return Status::error("bad_config", path + ": not valid UTF-8", "config.json must be UTF-8 JSON.");
  io::JsonParseResult pr = io::parse_json(text, size);
  if (!pr.ok) return Status::error("bad_config", path + ": invalid JSON: " + pr.error, "Fix or re-download config.json.");
  const JsonValue& root = pr.value;
  if (!root.is_object()) return Status::error("bad_config", path + ": the top level must be a JSON object", "Fix or re-download config.json.");
  Reader r{path, root, Status::Ok()};

  LATHE_RETURN_IF_ERROR(read_arch(r, c));
  LATHE_RETURN_IF_ERROR(read_required_dimensions(r, c));
  LATHE_RETURN_IF_ERROR(read_head_dim(r, c));
  LATHE_RETURN_IF_ERROR(check_dimensions(r, c));
  LATHE_RETURN_IF_ERROR(read_norm_eps_and_rope_theta(r, c));
  RopeSource rope_src;
  LATHE_RETURN_IF_ERROR(find_rope_source(r, c, rope_src));
  r.integer(root, "max_position_embeddings", c.max_position, false);
  if (!r.st.ok()) return r.st;
  LATHE_RETURN_IF_ERROR(read_rope_scaling(r, rope_src, c.rope));
  LATHE_RETURN_IF_ERROR(read_biases_and_ties(r, c));
  return read_activation_and_dtype(r, c);
}

}  // namespace lathe::model
