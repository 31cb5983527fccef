// The CPU op table: every op the model code composes, forward and backward, fp32 activations, llm.c-style signatures
// (outputs first, then what backward needs, then inputs/weights, then sizes, then the execution context).
//
// Shapes use the letters of core/tensor.h. Unless a comment says "accumulates (+=)", outputs are overwritten.
// Functions that can fail on bad arguments return Status; pure elementwise ops return void.
// A CUDA backend implements the same table later; every fast path here is tested against the scalar reference
// (Isa::scalar), which is also what Exec{.isa = Isa::scalar} selects.
#pragma once
#include <cstdint>

#include "core/status.h"
#include "core/tensor.h"
#include "core/threadpool.h"
#include "quant/int8.h"
#include "quant/nf4.h"

namespace lathe::cpu {

enum class Isa : uint8_t { scalar, avx2, avx512 };
// Best SIMD level this CPU and OS support (lathe::cpu_features()); never returns a level the CPU lacks.
Isa best_isa();
const char* isa_name(Isa isa);

// Where an op runs: thread pool (nullptr = inline on the caller) and SIMD level (clamped to best_isa()).
struct Exec {
  ThreadPool* pool = nullptr;
  Isa isa = best_isa();
};

// ---------------------------------------------------------------------------------------------------------------
// Weights

// A stored matrix W [OUT, IN] (torch nn.Linear layout) in one of the supported storage types.
struct WeightRef {
  DType dtype = DType::f32;      // f32, bf16, nf4 or int8
  int64_t out = 0, in = 0;
  const float* f32 = nullptr;     // (OUT, IN) when dtype == f32
  int64_t ld = 0;                 // f32 only: row stride in floats (0 = IN); lets a head slice of K/V act as a weight
  const uint16_t* bf16 = nullptr; // (OUT, IN) when dtype == bf16
  quant::Nf4View nf4{};           // when dtype == nf4 (rows = OUT, cols = IN)
  quant::Int8View int8{};         // when dtype == int8

  static WeightRef from_f32(const float* w, int64_t out, int64_t in, int64_t ld = 0);
  int64_t row_stride() const { return ld ? ld : in; }
  static WeightRef from_bf16(const uint16_t* w, int64_t out, int64_t in);
  static WeightRef from_nf4(const quant::Nf4View& v);
  static WeightRef from_int8(const quant::Int8View& v);
};
// Checks pointers and dims agree with dtype; the ops call it, callers may too.
Status validate(const WeightRef& w);
// Dequantizes row r, columns [c0, c1) of W into dst (scalar; for tests, export and slow paths).
void weight_row(float* dst, const WeightRef& w, int64_t r, int64_t c0, int64_t c1);

// LoRA branch of a linear layer: y += scale * (drop(x) A^T) B^T (PEFT: lora_B(lora_A(dropout(x))) * scaling).
struct LoraRef {
  const float* A = nullptr;  // (R, IN) fp32
  const float* B = nullptr;  // (OUT, R) fp32
  int64_t r = 0;
  float scale = 0.f;         // alpha/r, or alpha/sqrt(r) with rsLoRA
  float dropout = 0.f;       // probability p in [0,1); 0 disables. Kept values are scaled by 1/(1-p)
  uint64_t seed = 0;         // the mask is a pure function of (seed, t*IN + i): backward recomputes it, nothing stored
};
// The dropout keep-mask bit for element idx of x under seed (exposed for tests).
bool lora_keep(uint64_t seed, uint64_t idx, float p);

// ---------------------------------------------------------------------------------------------------------------
// GEMM building blocks (also used directly by the model code)

// C (M, N) = alpha * A (M, K) · W^T (+ C if accumulate), W (N, K) any WeightRef. lda = row stride of A (>= K), ldc >= N.
Status gemm_nt(float* C, int64_t ldc, const float* A, int64_t lda, const WeightRef& W, int64_t M, float alpha,
               bool accumulate, const Exec& ex);
// C (M, N) = alpha * A (M, K) · W (+ C if accumulate), W (K, N) any WeightRef (rows K = W.out, cols N = W.in).
Status gemm_nn(float* C, int64_t ldc, const float* A, int64_t lda, const WeightRef& W, int64_t M, float alpha,
               bool accumulate, const Exec& ex);
// C (M, N) += alpha * A^T · B, A (K, M), B (K, N), all fp32 row-major (the LoRA weight-gradient shape).
void gemm_tn_acc(float* C, const float* A, const float* B, int64_t K, int64_t M, int64_t N, float alpha, const Exec& ex);

// ---------------------------------------------------------------------------------------------------------------
// matmul: y (T, OUT) = x (T, IN) · W^T + bias + LoRA
//   lora_u: (T, R) saved drop(x)·A^T for backward; may be nullptr (then a temporary is used). Ignored without LoRA.
//   bias: (OUT) or nullptr. lora: nullptr or r == 0 means no LoRA branch.
Status matmul_forward(float* y, float* lora_u, const float* x, const WeightRef& w, const float* bias, const LoraRef* lora,
                      int64_t T, const Exec& ex);
// Backward through a frozen W: never a gradient for W or bias.
//   dx (T, IN): dy·W (+ LoRA path); accumulates (+=) when accumulate_dx, else overwritten. May be nullptr (skip).
//   dA (R, IN), dB (OUT, R): accumulate (+=). Required when lora is set.
//   lora_u: (T, R) from the forward (nullptr => recomputed).
Status matmul_backward(float* dx, float* dA, float* dB, const float* dy, const float* x, const float* lora_u,
                       const WeightRef& w, const LoraRef* lora, int64_t T, bool accumulate_dx, const Exec& ex);

// ---------------------------------------------------------------------------------------------------------------
// rmsnorm over rows: y (N, C) = w (C) * (x * rstd), rstd (N) = 1/sqrt(mean(x²) + eps). Qwen3 q/k norm: N = T*heads, C = HD.
void rmsnorm_forward(float* y, float* rstd, const float* x, const float* w, int64_t N, int64_t C, float eps,
                     const Exec& ex);
// dx (N, C) (+= if accumulate), dw (C) accumulates (+=) when non-null. rstd from the forward.
void rmsnorm_backward(float* dx, float* dw, const float* dy, const float* x, const float* w, const float* rstd,
                      int64_t N, int64_t C, bool accumulate, const Exec& ex);

// ---------------------------------------------------------------------------------------------------------------
// RoPE, HF rotate-half (NEOX) layout: within each head, element i pairs with i + HD/2, both use frequency i.
struct RopeScaling {
  enum class Kind : uint8_t { none, linear, llama3 } kind = Kind::none;
  float factor = 1.f;
  float low_freq_factor = 1.f;   // llama3
  float high_freq_factor = 4.f;  // llama3
  float original_max_position = 8192.f;  // llama3: original_max_position_embeddings
};
// inv_freq (HD/2) = 1/theta^(2i/HD) in f32 like transformers, then the scaling rule (formats.md §2).
void rope_inv_freq(float* inv_freq, int64_t HD, float theta, const RopeScaling& scaling);
// cos, sin (P, HD/2): angle = f32(p * inv_freq[i]) for positions p in [0, P).
void rope_table(float* cos, float* sin, const float* inv_freq, int64_t HD, int64_t P);
// y (T, NHX*HD) = rope(x) at positions pos (T); y may equal x (in place). pos[t] must be < P of the table.
Status rope_forward(float* y, const float* x, const int32_t* pos, const float* cos, const float* sin, int64_t T,
                    int64_t NHX, int64_t HD, int64_t P, const Exec& ex);
// dx = rope^T(dy) (rotation by the negative angle); dx may equal dy.
Status rope_backward(float* dx, const float* dy, const int32_t* pos, const float* cos, const float* sin, int64_t T,
                     int64_t NHX, int64_t HD, int64_t P, const Exec& ex);

// ---------------------------------------------------------------------------------------------------------------
// Causal GQA attention, scale usually HD^-0.5. Query row t has absolute position q_pos0 + t; key row s has position s.
// Query t sees key s iff s <= q_pos0 + t and (seg == nullptr or seg_q[t] == seg_k[s]) (segments: packed documents).
// Training: S = T, q_pos0 = 0. Generation with a KV cache: S = p + T keys (cache rows 0..S-1), q_pos0 = p.
// A query that sees no key (only possible with segments) outputs zeros.
// SIMD paths: FlashAttention-style tiles (query block of a whole GQA group x 64 keys, online softmax), memory
// O(rows x HD) per thread, never (T, S); Isa::scalar runs the GEMM-based reference (a (64, S) score block per thread).
struct AttnDims {
  int64_t T = 0;       // query rows
  int64_t S = 0;       // key/value rows
  int64_t q_pos0 = 0;  // absolute position of query row 0
  int64_t NH = 0, NKV = 0, HD = 0;
  float scale = 0.f;
};
// out (T, NH*HD); lse (NH, T) log-sum-exp of scaled scores (saved for backward; may be nullptr in inference);
// q (T, NH*HD), k (S, NKV*HD), v (S, NKV*HD); seg_q (T), seg_k (S) or both nullptr.
Status attention_forward(float* out, float* lse, const float* q, const float* k, const float* v, const int32_t* seg_q,
                         const int32_t* seg_k, const AttnDims& d, const Exec& ex);
// dq (T, NH*HD) overwritten; dk, dv (S, NKV*HD) overwritten. out and lse from the forward.
Status attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* out, const float* lse,
                          const float* q, const float* k, const float* v, const int32_t* seg_q, const int32_t* seg_k,
                          const AttnDims& d, const Exec& ex);

// ---------------------------------------------------------------------------------------------------------------
// SwiGLU: h (N) = silu(g) * u, silu(g) = g / (1 + exp(-g)).
void swiglu_forward(float* h, const float* g, const float* u, int64_t N, const Exec& ex);
// dg, du (N) overwritten.
void swiglu_backward(float* dg, float* du, const float* dh, const float* g, const float* u, int64_t N, const Exec& ex);

// ---------------------------------------------------------------------------------------------------------------
// Output head + log-softmax gather, in chunks of tokens (never a (T, V) buffer; at most (chunk, V)).
//   head: (V, C), f32 or bf16 (WeightRef). target (T): id in [0, V), or -1 = no target (logp 0, no gradient).
//   scratch: chunk*V floats, or nullptr (allocated per call).
// logp (T) = log softmax(h W^T)[target]; lse (T) = logsumexp of each row (saved for backward; may be nullptr).
Status logsoftmax_gather_forward(float* logp, float* lse, const float* h, const WeightRef& head, const int32_t* target,
                                 int64_t T, int64_t chunk, float* scratch, const Exec& ex);
// dh (T, C) = g[t] * (W[target] - softmax(h W^T) · W), logits recomputed per chunk; (+= if accumulate).
// g (T) = dL/dlogp. lse from the forward (nullptr => recomputed). dhead (V, C), when given (an f32 trainable head),
// accumulates the head's gradient from the same softmax.
Status logsoftmax_gather_backward(float* dh, const float* g, const float* h, const WeightRef& head,
                                  const int32_t* target, const float* lse, int64_t T, int64_t chunk, float* scratch,
                                  bool accumulate, const Exec& ex, float* dhead = nullptr);
// logits (V) = h (C) · W^T for one position (sampling in generation).
Status logits_row(float* logits, const float* h, const WeightRef& head, const Exec& ex);

// ---------------------------------------------------------------------------------------------------------------
// Embedding: out (T, C) = table[ids[t]], table (V, C) f32 or bf16. ids out of range -> error naming the position.
Status embedding_forward(float* out, const int32_t* ids, const WeightRef& table, int64_t T, const Exec& ex);
// dtable (V, C) accumulates (+=) dout rows (only when an embedding gradient is asked for).
Status embedding_backward(float* dtable, const float* dout, const int32_t* ids, int64_t T, int64_t V, int64_t C);

// ---------------------------------------------------------------------------------------------------------------
// Elementwise
void add(float* y, const float* a, const float* b, int64_t n, const Exec& ex);  // y = a + b (y may alias a or b)
void add_inplace(float* y, const float* a, int64_t n, const Exec& ex);          // y += a
void scale(float* y, float s, int64_t n, const Exec& ex);                      // y *= s
void fill(float* y, float v, int64_t n);

// ---------------------------------------------------------------------------------------------------------------
// Optimizer
struct AdamW {
  float lr = 1e-4f;
  float beta1 = 0.9f, beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.f;  // decoupled: p -= lr * wd * p
  int64_t step = 1;          // 1-based step number for bias correction
};
// One AdamW update of n params: g' = grad * grad_scale (e.g. the clipping factor),
// m = b1 m + (1-b1) g', v = b2 v + (1-b2) g'², p -= lr (mhat / (sqrt(vhat) + eps) + wd p).
void adamw_step(float* param, float* m, float* v, const float* grad, int64_t n, const AdamW& opt, float grad_scale,
                const Exec& ex);
// Global L2 norm over several buffers, summed in double; NaN/inf propagate (caller skips the step).
double grad_norm(const BufView* bufs, int64_t n_bufs, const Exec& ex);

// ---------------------------------------------------------------------------------------------------------------
// Temporary memory the ops allocate internally (bytes), so the memory plan can count it. Everything else an op needs
// is passed in by the caller. GEMM panels live on the stack (< 80 KiB per thread).
// matmul_forward: drop(x) copy when dropout > 0, plus u (T, R) when lora_u is nullptr.
int64_t matmul_forward_temp_bytes(int64_t T, int64_t IN, const LoraRef* lora, bool lora_u_given);
// matmul_backward: g (T, R), drop(x) copy when dropout > 0, plus u (T, R) when lora_u is nullptr.
int64_t matmul_backward_temp_bytes(int64_t T, int64_t IN, const LoraRef* lora, bool lora_u_given);
// attention (for the path best_isa() selects): a per-thread tile workspace (SIMD) or a (64, S) score block (scalar)
// per thread; backward adds private dk/dv per extra thread.
int64_t attention_forward_temp_bytes(const AttnDims& d, int threads);
int64_t attention_backward_temp_bytes(const AttnDims& d, int threads);
// logsoftmax_gather forward/backward when scratch is nullptr: min(chunk, T) * V floats.
int64_t logsoftmax_gather_temp_bytes(int64_t T, int64_t V, int64_t chunk);

}  // namespace lathe::cpu
