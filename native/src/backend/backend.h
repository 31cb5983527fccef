// The engine's backend interface: buffers the backend owns (host or device memory), the op table the model composes
// (one explicit forward and backward per op, llm.c style, mirroring cpu/ops.h), uploads/downloads and synchronisation.
// Model code holds only opaque handles (DPtr, Weight) and never touches activation or weight memory directly, so a
// device backend (Vulkan) implements this class and the model runs unchanged. See docs/engine.md.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "core/threadpool.h"
#include "cpu/ops.h"

namespace lathe::backend {

// A typed pointer into a backend buffer: the buffer's opaque handle plus an element offset. Offset arithmetic is the
// only thing model code does with it. CPU: the handle is the host base address; a device backend: its buffer object.
template <typename T>
struct DPtr {
  void* h = nullptr;
  int64_t off = 0;
  DPtr operator+(int64_t n) const { return {h, off + n}; }
  explicit operator bool() const { return h != nullptr; }
};

// A frozen weight uploaded once at load (f32, bf16, nf4 or int8): an index into the backend's weight table.
struct Weight {
  int32_t id = -1;
  DType dtype = DType::f32;
  int64_t out = 0, in = 0;
};

// The LoRA branch of a linear layer (see cpu::LoraRef): A (R, IN), B (OUT, R) fp32 in backend memory.
struct Lora {
  DPtr<float> A, B;
  int64_t r = 0;
  float scale = 0.f, dropout = 0.f;
  uint64_t seed = 0;
};

// One buffer of a gradient-norm reduction.
struct GradBuf {
  DPtr<float> p;
  int64_t n = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;  // "cpu (avx512, 2 threads)"
  virtual const char* device() const = 0;  // "cpu"

  // --- memory: raw buffers (Array<T> in array.h wraps them with arena accounting) and host transfers.
  virtual void* alloc(int64_t bytes, bool zero) = 0;  // nullptr when out of memory
  virtual void free(void* handle) = 0;
  virtual void upload(void* handle, int64_t byte_off, const void* src, int64_t bytes) = 0;
  virtual void download(void* dst, const void* handle, int64_t byte_off, int64_t bytes) = 0;
  // Waits for every op issued so far (no-op on the CPU) and returns the first error a void op or a transfer met since
  // the last sync (a device backend records ops and runs them later; the CPU reports errors where they happen).
  virtual Status sync() = 0;
  // Typed transfers of n elements to/from a DPtr.
  template <typename T>
  void write(DPtr<T> dst, const T* src, int64_t n) {
    if (n > 0) upload(dst.h, dst.off * static_cast<int64_t>(sizeof(T)), src, n * static_cast<int64_t>(sizeof(T)));
  }
  template <typename T>
  void read(T* dst, DPtr<T> src, int64_t n) {
    if (n > 0) download(dst, src.h, src.off * static_cast<int64_t>(sizeof(T)), n * static_cast<int64_t>(sizeof(T)));
  }
  // Registers a weight prepared on the host (loaded, converted or quantized). The host data must outlive the
  // backend's use of it on a zero-copy backend (the CPU); a device backend copies it.
  virtual Weight upload_weight(const cpu::WeightRef& w) = 0;
  // An f32 (out, in) matrix already in backend memory used as a weight (a trainable embedding table or head): the ops
  // read it where it lives, so an AdamW update of the buffer is what the next forward sees.
  virtual Weight weight_f32(DPtr<float> p, int64_t out, int64_t in) = 0;

  // --- the op table (shapes and semantics: cpu/ops.h).
  virtual Status matmul_forward(DPtr<float> y, DPtr<float> lora_u, DPtr<float> x, const Weight& w, DPtr<float> bias,
                                const Lora* lora, int64_t T) = 0;
  virtual Status matmul_backward(DPtr<float> dx, DPtr<float> dA, DPtr<float> dB, DPtr<float> dy, DPtr<float> x,
                                 DPtr<float> lora_u, const Weight& w, const Lora* lora, int64_t T, bool accumulate_dx) = 0;
  virtual void rmsnorm_forward(DPtr<float> y, DPtr<float> rstd, DPtr<float> x, DPtr<float> w, int64_t N, int64_t C,
                               float eps) = 0;
  virtual void rmsnorm_backward(DPtr<float> dx, DPtr<float> dw, DPtr<float> dy, DPtr<float> x, DPtr<float> w,
                                DPtr<float> rstd, int64_t N, int64_t C, bool accumulate) = 0;
  // cos, sin (P, HD/2) from inv_freq (HD/2, host: computed from the config at load).
  virtual void rope_table(DPtr<float> cos, DPtr<float> sin, const float* inv_freq, int64_t HD, int64_t P) = 0;
  virtual Status rope_forward(DPtr<float> y, DPtr<float> x, DPtr<int32_t> pos, DPtr<float> cos, DPtr<float> sin,
                              int64_t T, int64_t NHX, int64_t HD, int64_t P) = 0;
  virtual Status rope_backward(DPtr<float> dx, DPtr<float> dy, DPtr<int32_t> pos, DPtr<float> cos, DPtr<float> sin,
                               int64_t T, int64_t NHX, int64_t HD, int64_t P) = 0;
  virtual Status attention_forward(DPtr<float> out, DPtr<float> lse, DPtr<float> q, DPtr<float> k, DPtr<float> v,
                                   DPtr<int32_t> seg_q, DPtr<int32_t> seg_k, const cpu::AttnDims& d) = 0;
  virtual Status attention_backward(DPtr<float> dq, DPtr<float> dk, DPtr<float> dv, DPtr<float> dout, DPtr<float> out,
                                    DPtr<float> lse, DPtr<float> q, DPtr<float> k, DPtr<float> v, DPtr<int32_t> seg_q,
                                    DPtr<int32_t> seg_k, const cpu::AttnDims& d) = 0;
  virtual void swiglu_forward(DPtr<float> h, DPtr<float> g, DPtr<float> u, int64_t N) = 0;
  virtual void swiglu_backward(DPtr<float> dg, DPtr<float> du, DPtr<float> dh, DPtr<float> g, DPtr<float> u,
                               int64_t N) = 0;
  virtual Status logsoftmax_gather_forward(DPtr<float> logp, DPtr<float> lse, DPtr<float> h, const Weight& head,
                                           DPtr<int32_t> target, int64_t T, int64_t chunk, DPtr<float> scratch) = 0;
  // dhead (V, C), when given (a trainable f32 head): accumulates the head's gradient too.
  virtual Status logsoftmax_gather_backward(DPtr<float> dh, DPtr<float> g, DPtr<float> h, const Weight& head,
                                            DPtr<int32_t> target, DPtr<float> lse, int64_t T, int64_t chunk,
                                            DPtr<float> scratch, bool accumulate, DPtr<float> dhead) = 0;
  virtual Status logits_row(DPtr<float> logits, DPtr<float> h, const Weight& head) = 0;
  virtual Status embedding_forward(DPtr<float> out, DPtr<int32_t> ids, const Weight& table, int64_t T) = 0;
  // dtable (V, C) += dout rows at ids, in token order (a trainable embedding table).
  virtual Status embedding_backward(DPtr<float> dtable, DPtr<float> dout, DPtr<int32_t> ids, int64_t T, int64_t V,
                                    int64_t C) = 0;
  virtual void add(DPtr<float> y, DPtr<float> a, DPtr<float> b, int64_t n) = 0;  // y = a + b (y may alias a or b)
  virtual void copy(DPtr<float> y, DPtr<float> x, int64_t n) = 0;
  virtual void fill(DPtr<float> y, float v, int64_t n) = 0;
  virtual void adamw_step(DPtr<float> param, DPtr<float> m, DPtr<float> v, DPtr<float> grad, int64_t n,
                          const cpu::AdamW& opt, float grad_scale) = 0;
  virtual double grad_norm(const GradBuf* bufs, int64_t n_bufs) = 0;  // synchronises: the caller needs the number

  // Device memory as the driver reports it (bytes this process uses on the device's main heap, and its budget);
  // false on the CPU, whose memory the engine's own tracker already counts.
  virtual bool device_memory(uint64_t* used, uint64_t* budget) const { (void)used; (void)budget; return false; }
  // Bytes of the weights copied into backend memory by upload_weight (0 on the CPU, which uses them in place).
  virtual int64_t weight_bytes() const { return 0; }
};

// The backend for a device string: "cpu"; "vulkan" (the best usable Vulkan device) or "vulkan:N" (device N of `lathe
// info`), when the build has the Vulkan backend; "auto": the first discrete Vulkan GPU, else the CPU. Anything else is
// a clear error naming the accepted values. Implemented in make_backend.cc.
Status make_backend(const std::string& device, ThreadPool* pool, std::unique_ptr<Backend>& out);
// Whether make_backend(device) would give a GPU backend, which holds every weight in device memory (the CPU maps
// unquantized weights from the file instead): the memory plan counts them only then.
bool device_holds_weights(const std::string& device);

}  // namespace lathe::backend
