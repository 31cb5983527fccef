// The CPU backend: today's kernels (cpu/ops.h) behind the Backend interface. A DPtr's handle is the host base address,
// weights are zero-copy views of the host data, and the SIMD level is chosen once here (cpu::Exec) for every op.
#pragma once
#include <vector>

#include "backend/backend.h"

namespace lathe::backend {

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(ThreadPool* pool, cpu::Isa isa = cpu::best_isa());
  std::string name() const override;
  const char* device() const override { return "cpu"; }
  const cpu::Exec& exec() const { return ex_; }

  void* alloc(int64_t bytes, bool zero) override;
  void free(void* handle) override;
  void upload(void* handle, int64_t byte_off, const void* src, int64_t bytes) override;
  void download(void* dst, const void* handle, int64_t byte_off, int64_t bytes) override;
  Status sync() override { return Status::Ok(); }
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

 private:
  const cpu::WeightRef& ref(const Weight& w) const { return weights_[static_cast<size_t>(w.id)]; }
  cpu::Exec ex_;
  std::vector<cpu::WeightRef> weights_;
};

}  // namespace lathe::backend
