// The Vulkan backend: the op table of native/src/vulkan/ behind the Backend interface. Buffers live in device memory
// (a DPtr's handle is a vk::Buffer), weights are uploaded once at load (NF4/int8 stay packed; the GEMM shaders
// dequantize inside their tile loads), and ops are recorded into one command buffer that runs at the next sync point:
// a download, an upload, grad_norm or sync(). Built only with LATHE_HAVE_VULKAN.
#pragma once
#ifdef LATHE_HAVE_VULKAN
#include <memory>
#include <vector>

#include "backend/backend.h"
#include "vulkan/ops.h"
#include "vulkan/ops_attention.h"
#include "vulkan/ops_head.h"
#include "vulkan/ops_matmul.h"

namespace lathe::backend {

class VulkanBackend final : public Backend {
 public:
  // device_index -1: the best usable device (discrete > integrated > virtual > CPU when allowed).
  static Status create(int device_index, std::unique_ptr<Backend>& out);
  ~VulkanBackend() override;

  std::string name() const override;
  const char* device() const override { return "vulkan"; }

  void* alloc(int64_t bytes, bool zero) override;
  void free(void* handle) override;
  void upload(void* handle, int64_t byte_off, const void* src, int64_t bytes) override;
  void download(void* dst, const void* handle, int64_t byte_off, int64_t bytes) override;
  Status sync() override;
  Weight upload_weight(const cpu::WeightRef& w) override;
  Weight weight_f32(DPtr<float> p, int64_t out, int64_t in) override;

  Status matmul_forward(DPtr<float> y, DPtr<float> lora_u, DPtr<float> x, const Weight& w, DPtr<float> bias,
                        const Lora* lora, int64_t T) override;
  Status matmul_backward(DPtr<float> dx, DPtr<float> dA, DPtr<float> dB, DPtr<float> dy, DPtr<float> x,
                         DPtr<float> lora_u, const Weight& w, const Lora* lora, int64_t T, bool accumulate_dx) override;
  void rmsnorm_forward(DPtr<float> y, DPtr<float> rstd, DPtr<float> x, DPtr<float> w, int64_t N, int64_t C,
                       float eps) override;
  void rmsnorm_backward(DPtr<float> dx, DPtr<float> dw, DPtr<float> dy, DPtr<float> x, DPtr<float> w, DPtr<float> rstd,
                        int64_t N, int64_t C, bool accumulate) override;
  void rope_table(DPtr<float> cos, DPtr<float> sin, const float* inv_freq, int64_t HD, int64_t P) override;
  Status rope_forward(DPtr<float> y, DPtr<float> x, DPtr<int32_t> pos, DPtr<float> cos, DPtr<float> sin, int64_t T,
                      int64_t NHX, int64_t HD, int64_t P) override;
  Status rope_backward(DPtr<float> dx, DPtr<float> dy, DPtr<int32_t> pos, DPtr<float> cos, DPtr<float> sin, int64_t T,
                       int64_t NHX, int64_t HD, int64_t P) override;
  Status attention_forward(DPtr<float> out, DPtr<float> lse, DPtr<float> q, DPtr<float> k, DPtr<float> v,
                           DPtr<int32_t> seg_q, DPtr<int32_t> seg_k, const cpu::AttnDims& d) override;
  Status attention_backward(DPtr<float> dq, DPtr<float> dk, DPtr<float> dv, DPtr<float> dout, DPtr<float> out,
                            DPtr<float> lse, DPtr<float> q, DPtr<float> k, DPtr<float> v, DPtr<int32_t> seg_q,
                            DPtr<int32_t> seg_k, const cpu::AttnDims& d) override;
  void swiglu_forward(DPtr<float> h, DPtr<float> g, DPtr<float> u, int64_t N) override;
  void swiglu_backward(DPtr<float> dg, DPtr<float> du, DPtr<float> dh, DPtr<float> g, DPtr<float> u, int64_t N) override;
  Status logsoftmax_gather_forward(DPtr<float> logp, DPtr<float> lse, DPtr<float> h, const Weight& head,
                                   DPtr<int32_t> target, int64_t T, int64_t chunk, DPtr<float> scratch) override;
  Status logsoftmax_gather_backward(DPtr<float> dh, DPtr<float> g, DPtr<float> h, const Weight& head,
                                    DPtr<int32_t> target, DPtr<float> lse, int64_t T, int64_t chunk,
                                    DPtr<float> scratch, bool accumulate, DPtr<float> dhead) override;
  Status logits_row(DPtr<float> logits, DPtr<float> h, const Weight& head) override;
  Status embedding_forward(DPtr<float> out, DPtr<int32_t> ids, const Weight& table, int64_t T) override;
  Status embedding_backward(DPtr<float> dtable, DPtr<float> dout, DPtr<int32_t> ids, int64_t T, int64_t V,
                            int64_t C) override;
  void add(DPtr<float> y, DPtr<float> a, DPtr<float> b, int64_t n) override;
  void copy(DPtr<float> y, DPtr<float> x, int64_t n) override;
  void fill(DPtr<float> y, float v, int64_t n) override;
  void adamw_step(DPtr<float> param, DPtr<float> m, DPtr<float> v, DPtr<float> grad, int64_t n, const cpu::AdamW& opt,
                  float grad_scale) override;
  double grad_norm(const GradBuf* bufs, int64_t n_bufs) override;
  bool device_memory(uint64_t* used, uint64_t* budget) const override {
    ctx_.memory_budget(budget, used);
    return true;
  }

  // Bytes the backend holds besides the model's arenas: uploaded weights and its own op scratch (for lathe info and
  // the memory report).
  int64_t weight_bytes() const override { return weight_bytes_; }
  int64_t scratch_bytes() const;
  // Tensor views that were not at the device's storage alignment and went through a temporary copy (tests assert the
  // engine's buffer layout keeps this rare).
  int64_t staged_views() const { return staged_; }

  class Args;  // per-op view builder (vulkan_backend.cc)

 private:
  VulkanBackend() = default;
  struct DeviceWeightSlot {
    vk::Buffer buf;
    vk::DeviceWeight w;
  };
  vk::Buffer* buffer(const void* handle) const { return static_cast<vk::Buffer*>(const_cast<void*>(handle)); }
  const vk::DeviceWeight& dw(const Weight& w) const { return weights_[static_cast<size_t>(w.id)]->w; }
  // Runs everything recorded so far and frees the temporaries it used.
  Status flush();
  // A device scratch view of at least `floats` floats (grown between submits; shared by ops, which the recorder's
  // barriers keep in order).
  Status scratch(int64_t floats, vk::View* out);
  // Remembers the first error of an op that cannot return one; sync() reports it.
  void keep(const Status& st);

  vk::Context ctx_;
  std::unique_ptr<vk::Recorder> rec_;
  std::vector<std::unique_ptr<DeviceWeightSlot>> weights_;
  vk::Buffer scratch_;
  std::vector<std::unique_ptr<vk::Buffer>> temps_;  // staging copies of misaligned views, alive until the next flush
  Status err_ = Status::Ok();
  int64_t weight_bytes_ = 0;
  int64_t staged_ = 0;
};

}  // namespace lathe::backend
#endif  // LATHE_HAVE_VULKAN
