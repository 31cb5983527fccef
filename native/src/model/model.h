// The Llama-family decoder held in memory: config, frozen (optionally quantized) weights, LoRA adapter, memory tracker.
// Loading is in weights.cc, LoRA in lora.cc, the one decoder-layer forward/backward in layer.cc, scoring/generation in
// forward.cc, training in train.cc, the memory plan in plan.cc and the per-call buffer table in buffers.cc.
// Every op runs through the backend (backend/backend.h); the model holds only backend handles to weights,
// activations and LoRA tensors.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/threadpool.h"
#include "backend/array.h"
#include "backend/backend.h"
#include "cpu/ops.h"
#include "io/safetensors.h"
#include "model/config.h"
#include "model/buffers.h"
#include "model/memory.h"
#include "model/sampling.h"

namespace lathe::model {

enum class Quant { none, nf4, int8 };
const char* quant_name(Quant q);

// The seven LoRA-targetable linear modules of a decoder layer, in PEFT module-name order.
enum class Module : int { q = 0, k, v, o, gate, up, down, count };
const char* module_name(Module m);        // "q_proj", ...
const char* module_parent(Module m);      // "self_attn" or "mlp"

// Highest LoRA rank (the TypeScript side reads it through optionKeys()): beyond it an adapter costs about as much as
// full fine-tuning of the layers it targets.
inline constexpr int64_t kMaxLoraRank = 512;

struct LoraConfig {
  int64_t r = 0;                 // 0 = no adapter
  double alpha = 16.0;
  float dropout = 0.f;
  bool rslora = false;
  bool targets[static_cast<int>(Module::count)] = {};
  uint64_t seed = 0;
  // Also train the embedding table and the output head (PEFT modules_to_save), as f32 copies of the base tables.
  bool train_embeddings = false;
};

// A frozen linear weight [OUT, IN] plus optional bias. The host side (w and the owned storage) is what loading and
// quantization produce: mmapped (f32/bf16 as stored) or owned. The backend side (dw, bias) is what the ops use.
struct Linear {
  cpu::WeightRef w;             // host view (shapes, dequantized_weight, the upload source)
  backend::Weight dw;           // the weight on the backend
  backend::Array<float> bias;   // (OUT), empty when there is no bias
  Buf<float> owned_f32;         // converted / realigned weights
  Buf<uint16_t> owned_bf16;
  quant::Nf4Tensor nf4;         // counted in the weights arena by the model
  quant::Int8Tensor i8;
};

// LoRA weights of one module: A (R, IN), B (OUT, R), fp32 masters; gradients and AdamW moments once training starts.
struct LoraModule {
  int64_t r = 0;
  float scale = 0.f;
  backend::Array<float> A, B;
  backend::Array<float> dA, dB, mA, vA, mB, vB;  // optimizer arena
};

// Training step options (AdamW with decoupled weight decay, global-norm clipping).
// One optimizer step. The binding sets every field from the caller's options (addon/options.cc, strictly); the
// defaults a user sees live in the training config table (main/api/training-config.ts), not here.
struct StepOptions {
  float lr = 0.f, beta1 = 0.f, beta2 = 0.f, eps = 0.f, weight_decay = 0.f;
  float max_grad_norm = 0.f;    // 0 = no clipping
  float embedding_lr = 0.f;     // trainable embedding table / head: their own rate (0 = lr)
  float lora_plus_ratio = 1.f;  // LoRA+: the B matrices' rate is lr x this (1 = plain LoRA)
};
struct StepResult {
  double grad_norm = 0;
  bool skipped = false;
  std::string reason;  // why a step was skipped
  int64_t step = 0;    // optimizer steps taken so far
};

// A trainable copy of a base table (the embeddings, or an untied head): f32 parameters, their gradient and AdamW
// moments once training starts, and the backend weight the ops read it through.
struct TrainableTable {
  backend::Array<float> p, g, m, v;
  backend::Weight w;
};

struct Layer {
  backend::Array<float> attn_norm, ffn_norm;  // (C)
  backend::Array<float> q_norm, k_norm;       // (HD) Qwen3 only
  Linear lin[static_cast<int>(Module::count)];
  LoraModule lora[static_cast<int>(Module::count)];
};

struct LoadOptions {
  Quant quant = Quant::none;
  LoraConfig lora;
  int64_t max_seq_len = 4096;
  std::string device = "cpu";  // backend: "cpu", "vulkan", "vulkan:N" or "auto" (see backend::make_backend)
};

// Bytes per arena for a workload, computed from the config before anything for it is allocated.
struct MemoryPlan {
  int64_t weights = 0, lora = 0, kv_cache = 0, activations = 0, scratch = 0, optimizer = 0;
  int64_t host_activations = 0;  // offloaded layer inputs in host RAM (training with offload); not in total()
  int64_t total() const { return weights + lora + kv_cache + activations + scratch + optimizer; }
};

struct ModelInfo {
  int64_t parameters = 0;     // base parameters (embeddings + head counted once when tied)
  int64_t lora_parameters = 0;
  std::string storage_dtype;  // dtype of the linear weights as stored in the checkpoint
};

using CancelFlag = std::shared_ptr<std::atomic<bool>>;

class Model {
 public:
  Model() = default;
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Loads dir/config.json and its safetensors (single file or sharded through the index).
  // Cancellable between layers (quantizing a big model takes a while).
  Status load(const std::string& dir, const LoadOptions& opt, ThreadPool* pool, const CancelFlag& cancel = nullptr);

  // Reads config.json and validates the safetensors headers without loading or quantizing anything, so plan() and
  // plan_train() can answer "will it fit" before load(). The model cannot run after inspect().
  Status inspect(const std::string& dir, const LoadOptions& opt);
  // Like inspect() from config.json alone, with the weights' stored dtype given (F32, BF16 or F16): plans a model
  // whose weights are not on disk yet (the catalog's "will it fit" before a download).
  Status inspect_config(const std::string& dir, const LoadOptions& opt, const std::string& storage_dtype);

  const ModelConfig& config() const { return cfg_; }
  const ModelInfo& info() const { return info_; }
  Quant quant() const { return quant_; }
  int64_t max_seq_len() const { return max_seq_len_; }
  // The backend running this model ("cpu (avx512, 2 threads)"); empty before load().
  std::string backend_name() const { return be_ ? be_->name() : std::string(); }
  MemTracker& tracker() { return tracker_; }
  // Device memory in use and its budget when the backend is a GPU (see Backend::device_memory).
  bool device_memory(uint64_t* used, uint64_t* budget) const { return be_ && be_->device_memory(used, budget); }
  bool has_adapter() const { return lora_cfg_.r > 0 || adapter_loaded_; }
  const LoraConfig& lora_config() const { return lora_cfg_; }

  // Memory plan for teacher-forced scoring of `batch` rows of `seq_len` tokens (mode "score"),
  // or generation with a KV cache of `seq_len` positions (mode "generate").
  // For generation, prompt_len (default seq_len) sizes the prefill activations; seq_len is the KV cache length.
  MemoryPlan plan(int64_t batch, int64_t seq_len, bool generate, int64_t prompt_len = 0) const;

  // logp (B, T-1): logp[b, i] = log p(ids[b, i+1] | ids[b, 0..i]). ids (B, T).
  Status logprobs(float* logp, const int32_t* ids, int64_t B, int64_t T, bool adapter, const CancelFlag& cancel);

  // The k most likely next tokens at every position of one row (the Learn page's next-token view), from the same
  // forward as logprobs(): ids/logp (T-1, k) best first, target_logp (T-1) = log p(ids[t+1] | ids[0..t]).
  // Full logits rows are read one position at a time, so T*V floats never sit in memory together (topk.cc).
  Status topk(int32_t* top_ids, float* top_logp, float* target_logp, const int32_t* ids, int64_t T, int64_t k, bool adapter,
              const CancelFlag& cancel);

  // Generation with a KV cache; on_token is called for every new token (return false to stop).
  struct GenerateOptions {
    int64_t max_new_tokens = 128;
    SamplingOptions sampling;
    std::vector<int32_t> stop;
    bool adapter = true;
  };
  Status generate(const std::vector<int32_t>& prompt, const GenerateOptions& opt, const CancelFlag& cancel,
                  const std::function<bool(int32_t)>& on_token, std::vector<int32_t>& out, std::string& finish_reason);
  // A group of completions of one prompt (GRPO): the prompt is prefilled once and its KV cache copied to every
  // member, then all members decode together, one batched forward per token. Member i samples with seeds[i], so its
  // tokens are those generate() gives with that seed. Members that stop keep their slot until all have.
  Status generate_group(const std::vector<int32_t>& prompt, const GenerateOptions& opt, const std::vector<uint64_t>& seeds,
                        const CancelFlag& cancel, std::vector<std::vector<int32_t>>& out, std::vector<std::string>& finish_reasons);

  // LoRA: fresh PEFT init (A Kaiming-uniform, B = 0), load/save in PEFT format.
  Status init_lora(const LoraConfig& cfg);
  Status load_adapter(const std::string& dir);
  Status save_adapter(const std::string& dir, const std::string& base_model_name) const;
  void clear_lora();

  // Training. forward_train keeps what backward needs; logp (B*T): logp[i] = log p(targets[i] | ids[..i]),
  // 0 where targets[i] == -1. backward(seeds (B*T) = dLoss/dlogp) accumulates LoRA gradients; step() applies AdamW.
  // positions (B*T) and segments (B*T) are optional (packing): RoPE positions per token, and a document id per token
  // so attention stays within each document. offload (with checkpointing): each layer's input is downloaded to host
  // memory after its forward and uploaded again before its recompute in backward; the numbers are unchanged.
  Status forward_train(float* logp, const int32_t* ids, const int32_t* targets, int64_t B, int64_t T, bool checkpointing,
                       bool offload, uint64_t dropout_seed, const CancelFlag& cancel, const int32_t* positions = nullptr,
                       const int32_t* segments = nullptr);
  Status backward(const float* seeds, const CancelFlag& cancel);
  Status step(const StepOptions& opt, StepResult& res);
  void zero_grad();
  MemoryPlan plan_train(int64_t B, int64_t T, bool checkpointing, bool offload = false) const;
  // Tests: read a LoRA tensor (which: "A", "B", "dA", "dB") or overwrite A/B.
  Status lora_tensor(int64_t layer, Module m, const std::string& which, std::vector<float>& out) const;
  Status set_lora_tensor(int64_t layer, Module m, const std::string& which, const std::vector<float>& in);
  // The trainable embedding table ("embed_tokens") or head ("lm_head"; the embedding table when tied): which = "p"
  // (parameters) or "g" (gradient). Tests and export.
  Status table_tensor(const std::string& table, const std::string& which, std::vector<float>& out) const;
  Status set_table_tensor(const std::string& table, const std::vector<float>& in);
  int64_t optimizer_steps() const { return train_step_; }
  // Full training state (LoRA + Adam moments + step + the caller's RNG word), checksummed, written atomically.
  Status save_state(const std::string& path, uint64_t rng) const;
  Status load_state(const std::string& path, uint64_t& rng);

  // Exposed for tests: dequantized weight of (layer, module), row-major (OUT, IN).
  Status dequantized_weight(int64_t layer, Module m, std::vector<float>& out) const;

 private:
  friend struct ForwardImpl;
  // What one call of the decoder-layer forward reads, and what it keeps (see layer.cc).
  struct LayerCall {
    int64_t B = 0, T = 0;              // rows N = B*T
    DPtr<float> xin, xout;             // (N, C); equal in inference (the residual stream is updated in place)
    DPtr<int32_t> pos, seg;            // (N) RoPE positions; document ids or null (no packing)
    DPtr<float> cos, sin;              // (P, HD/2)
    int64_t P = 0;
    bool cache = false;                // generation: k/v go to cache rows [p0, p0+T); attention reads rows [0, p0+T)
    int64_t p0 = 0, cache_rows = 0;
    DPtr<float> kcache, vcache;        // (B, L, cache_rows, NKV*HD): one cache per row of the batch
    bool adapter = true;               // run the LoRA branches
    bool train = false;                // LoRA dropout (training), lse kept for backward
    uint64_t dropout_seed = 0;
  };
  Status load_tensors(const std::string& dir, std::vector<std::unique_ptr<io::SafetensorsFile>>& files);
  Status make_linear(Linear& lin, const io::StTensor* t, const io::StTensor* bias, int64_t out, int64_t in, bool quantize);
  Status make_vector(backend::Array<float>& dst, const io::StTensor* t, int64_t n, const std::string& name);
  Status make_table(cpu::WeightRef& ref, Buf<float>& own32, Buf<uint16_t>& own16, const io::StTensor* t, int64_t rows, int64_t cols);
  // The LoRA branches of layer l as the ops take them (null where a module has none or the adapter is off).
  void lora_refs(int64_t l, bool adapter, bool train, uint64_t dropout_seed, backend::Lora lr[7], const backend::Lora* lp[7]) const;
  // One decoder layer, forward: scoring, generation (KV cache) and training (what S keeps) all go through it.
  Status layer_forward(int64_t l, const LayerCall& call, const LayerBufs& S);
  // One decoder layer, backward (training): LoRA gradients accumulate, dxin (N, C) is overwritten.
  Status layer_backward(int64_t l, DPtr<float> xin, DPtr<float> dxout, DPtr<float> dxin, const LayerBufs& S);
  // Runs T tokens at positions [p0, p0+T) through the cached model; logits (V) of the last one.
  Status decode(const int32_t* toks, int64_t T, int64_t p0, bool adapter, const CancelFlag& cancel, std::vector<float>& logits);
  // Embeds B rows of T tokens at the given positions and runs every layer against the KV cache (rows [p0, p0+T) of
  // each row's cache): the shared part of decode and decode_batch.
  // Scoring input checks (ids in the vocabulary, T within maxSeqLen), shared by logprobs() and topk().
  Status check_score_input(const int32_t* ids, int64_t B, int64_t T) const;
  // Allocates the inference buffers and runs B rows of T tokens through every layer and the final norm into acts_.h
  // (N, C); acts_.targets holds the next token of each position. The caller frees the buffers (free_acts).
  Status score_hidden(const int32_t* ids, int64_t B, int64_t T, bool adapter, const CancelFlag& cancel);
  // A prompt generate() and generate_group() can take: non-empty, ids in the vocabulary, shorter than maxSeqLen.
  Status check_prompt(const std::vector<int32_t>& prompt) const;
  Status cached_layers(const int32_t* toks, const int32_t* pos, int64_t B, int64_t T, int64_t p0, bool adapter, const CancelFlag& cancel);
  // One token for each of B cached sequences at position p (generate_group): logits (B, V).
  Status decode_batch(const int32_t* toks, int64_t B, int64_t p, bool adapter, const CancelFlag& cancel, std::vector<float>& logits);
  InferDims infer_dims(int64_t N, int64_t P, bool cache, int64_t batch = 1) const;
  TrainDims train_dims(int64_t B, int64_t T, bool checkpointing, bool offload) const;
  Status alloc_acts(int64_t N, int64_t P, bool cache, int64_t batch = 1);
  void free_acts();
  int64_t max_lora_rank() const;
  // LoRA rank and parameter count of (layer, module): from the live adapter, or from lora_cfg_ after inspect().
  void lora_dims(int64_t l, int m, int64_t& r, int64_t& params) const;
  Status read_config(const std::string& dir);
  Status need_backend() const;
  bool inspected_only_ = false;
  // A GPU backend: every weight is resident in device memory, and the backend keeps its own op scratch.
  bool device_weights_ = false;
  int64_t planned_weight_bytes() const;
  // Bytes of op scratch a GPU backend allocates for N rows of T tokens (0 on the CPU): the largest of the LoRA
  // temporaries, attention's backward row sums and the gradient-norm partials (vulkan_backend.cc scratch()).
  int64_t planned_device_scratch(int64_t N, int64_t T, bool train) const;

  ModelConfig cfg_;
  ModelInfo info_;
  Quant quant_ = Quant::none;
  int64_t max_seq_len_ = 4096;
  ThreadPool* pool_ = nullptr;
  MemTracker tracker_;
  // Declared before every backend array so it is destroyed after them.
  std::unique_ptr<backend::Backend> be_;
  int64_t owned_quant_bytes_ = 0;  // nf4/int8 vectors, counted in the weights arena
  std::vector<std::unique_ptr<io::SafetensorsFile>> files_;
  std::vector<Layer> layers_;
  cpu::WeightRef embed_, head_;      // host views
  backend::Weight embed_w_, head_w_;  // on the backend (the base tables)
  // LoraConfig::train_embeddings: the adapter's own tables (head unused when tied). The base tables stay, for the
  // adapter switched off (reference policy, base-vs-adapter evaluation).
  TrainableTable temb_, thead_;
  bool train_tables_ = false;
  const backend::Weight& embed_for(bool adapter) const { return adapter && train_tables_ ? temb_.w : embed_w_; }
  const backend::Weight& head_for(bool adapter) const;
  // Copies the base tables (or the given ones, from a saved adapter) into trainable f32 tables.
  Status init_tables(const std::vector<float>* embed = nullptr, const std::vector<float>* head = nullptr);
  int64_t table_params() const;  // parameters of the trainable tables this config asks for (plan)
  Buf<float> embed_f32_, head_f32_;
  Buf<uint16_t> embed_bf16_, head_bf16_;
  backend::Array<float> final_norm_;
  std::vector<float> inv_freq_;
  LoraConfig lora_cfg_;
  bool adapter_loaded_ = false;
  // Buffers of the current scoring/generation call (the inference table), released after it.
  InferBufs acts_;
  InferDims acts_dims_;
  BufferSet acts_mem_;
  // Training state between forward_train and backward (the training table).
  struct Train {
    int64_t B = 0, T = 0, N = 0;
    bool checkpointing = true, offload = false, pending = false, has_grads = false;
    uint64_t dropout_seed = 0;
    std::vector<float> host_ckpt;  // offload: (L, N, C) layer inputs between forward and backward
    bool has_seg = false;  // seg holds packed-document ids for this batch
    TrainBufs b;
  } tr_;
  BufferSet tr_mem_;
  int64_t train_step_ = 0;
  Status alloc_train(int64_t B, int64_t T, bool checkpointing, bool offload);
  Status ensure_grads();
};

}  // namespace lathe::model
