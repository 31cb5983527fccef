// Model configuration read from a Hugging Face config.json (formats.md §2): Llama, Mistral, Qwen2, Qwen3 decoders.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace lathe::model {

enum class Arch { llama, mistral, qwen2, qwen3 };
const char* arch_name(Arch a);

struct RopeScaling {
  std::string type = "none";  // none | llama3 | linear
  double factor = 1.0;
  double low_freq_factor = 1.0, high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

struct ModelConfig {
  Arch arch = Arch::llama;
  std::string model_type;
  int64_t vocab = 0;        // V
  int64_t hidden = 0;       // C (H)
  int64_t intermediate = 0; // I
  int64_t layers = 0;       // L
  int64_t n_heads = 0;      // NH
  int64_t n_kv_heads = 0;   // NKV
  int64_t head_dim = 0;     // HD
  double rms_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope;
  int64_t max_position = 2048;
  bool tie_embeddings = false;
  bool qkv_bias = false;    // q/k/v biases (qwen2 always; llama/qwen3 via attention_bias)
  bool o_bias = false;      // o_proj bias (attention_bias on llama/qwen3)
  bool mlp_bias = false;    // llama mlp_bias
  bool qk_norm = false;     // qwen3
  std::string torch_dtype;  // as declared in config.json (informational)
};

// Parses config.json text; `path` is used in error messages. Unknown model_type → error listing the supported ones.
Status parse_config(const std::string& path, const char* text, size_t size, ModelConfig& out);

}  // namespace lathe::model
