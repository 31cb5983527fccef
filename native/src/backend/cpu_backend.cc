// CpuBackend: resolves handles to host pointers and calls the cpu/ops.h kernels with the Exec chosen at construction.
#include "backend/cpu_backend.h"

#include <cstring>
#include <new>

namespace lathe::backend {

namespace {

template <typename T>
T* P(DPtr<T> p) {
  return p.h ? static_cast<T*>(p.h) + p.off : nullptr;
}

// The kernel-side LoRA descriptor for a backend Lora (nullptr stays nullptr: no LoRA branch).
struct LoraArg {
  cpu::LoraRef ref;
  const cpu::LoraRef* ptr = nullptr;
  explicit LoraArg(const Lora* l) {
    if (!l) return;
    ref.A = P(l->A);
    ref.B = P(l->B);
    ref.r = l->r;
    ref.scale = l->scale;
    ref.dropout = l->dropout;
    ref.seed = l->seed;
    ptr = &ref;
  }
};

}  // namespace

CpuBackend::CpuBackend(ThreadPool* pool, cpu::Isa isa) {
  ex_.pool = pool;
  ex_.isa = isa;
}

std::string CpuBackend::name() const {
  return std::string("cpu (") + cpu::isa_name(ex_.isa) + ", " + std::to_string(ex_.pool ? ex_.pool->size() : 1) + " threads)";
}

// 64-byte aligned like every engine buffer, so SIMD paths see the same alignment as before the backend existed.
void* CpuBackend::alloc(int64_t bytes, bool zero) {
  const size_t padded = (static_cast<size_t>(bytes) + 63) / 64 * 64;
  void* p = ::operator new(padded, std::align_val_t(64), std::nothrow);
  if (p && zero) std::memset(p, 0, static_cast<size_t>(bytes));
  return p;
}
void CpuBackend::free(void* handle) { ::operator delete(handle, std::align_val_t(64)); }
void CpuBackend::upload(void* handle, int64_t byte_off, const void* src, int64_t bytes) {
  std::memcpy(static_cast<char*>(handle) + byte_off, src, static_cast<size_t>(bytes));
}
void CpuBackend::download(void* dst, const void* handle, int64_t byte_off, int64_t bytes) {
  std::memcpy(dst, static_cast<const char*>(handle) + byte_off, static_cast<size_t>(bytes));
}

Weight CpuBackend::upload_weight(const cpu::WeightRef& w) {
  weights_.push_back(w);
  return Weight{static_cast<int32_t>(weights_.size() - 1), w.dtype, w.out, w.in};
}

Weight CpuBackend::weight_f32(DPtr<float> p, int64_t out, int64_t in) {
  return upload_weight(cpu::WeightRef::from_f32(P(p), out, in));
}

Status CpuBackend::matmul_forward(DPtr<float> y, DPtr<float> lora_u, DPtr<float> x, const Weight& w, DPtr<float> bias,
                                  const Lora* lora, int64_t T) {
  LoraArg l(lora);
  return cpu::matmul_forward(P(y), P(lora_u), P(x), ref(w), P(bias), l.ptr, T, ex_);
}
Status CpuBackend::matmul_backward(DPtr<float> dx, DPtr<float> dA, DPtr<float> dB, DPtr<float> dy, DPtr<float> x,
                                   DPtr<float> lora_u, const Weight& w, const Lora* lora, int64_t T, bool accumulate_dx) {
  LoraArg l(lora);
  return cpu::matmul_backward(P(dx), P(dA), P(dB), P(dy), P(x), P(lora_u), ref(w), l.ptr, T, accumulate_dx, ex_);
}
void CpuBackend::rmsnorm_forward(DPtr<float> y, DPtr<float> rstd, DPtr<float> x, DPtr<float> w, int64_t N, int64_t C,
                                 float eps) {
  cpu::rmsnorm_forward(P(y), P(rstd), P(x), P(w), N, C, eps, ex_);
}
void CpuBackend::rmsnorm_backward(DPtr<float> dx, DPtr<float> dw, DPtr<float> dy, DPtr<float> x, DPtr<float> w,
                                  DPtr<float> rstd, int64_t N, int64_t C, bool accumulate) {
  cpu::rmsnorm_backward(P(dx), P(dw), P(dy), P(x), P(w), P(rstd), N, C, accumulate, ex_);
}
void CpuBackend::rope_table(DPtr<float> cos, DPtr<float> sin, const float* inv_freq, int64_t HD, int64_t P_) {
  cpu::rope_table(P(cos), P(sin), inv_freq, HD, P_);
}
Status CpuBackend::rope_forward(DPtr<float> y, DPtr<float> x, DPtr<int32_t> pos, DPtr<float> cos, DPtr<float> sin,
                                int64_t T, int64_t NHX, int64_t HD, int64_t P_) {
  return cpu::rope_forward(P(y), P(x), P(pos), P(cos), P(sin), T, NHX, HD, P_, ex_);
}
Status CpuBackend::rope_backward(DPtr<float> dx, DPtr<float> dy, DPtr<int32_t> pos, DPtr<float> cos, DPtr<float> sin,
                                 int64_t T, int64_t NHX, int64_t HD, int64_t P_) {
  return cpu::rope_backward(P(dx), P(dy), P(pos), P(cos), P(sin), T, NHX, HD, P_, ex_);
}
Status CpuBackend::attention_forward(DPtr<float> out, DPtr<float> lse, DPtr<float> q, DPtr<float> k, DPtr<float> v,
                                     DPtr<int32_t> seg_q, DPtr<int32_t> seg_k, const cpu::AttnDims& d) {
  return cpu::attention_forward(P(out), P(lse), P(q), P(k), P(v), P(seg_q), P(seg_k), d, ex_);
}
Status CpuBackend::attention_backward(DPtr<float> dq, DPtr<float> dk, DPtr<float> dv, DPtr<float> dout,
                                      DPtr<float> out, DPtr<float> lse, DPtr<float> q, DPtr<float> k, DPtr<float> v,
                                      DPtr<int32_t> seg_q, DPtr<int32_t> seg_k, const cpu::AttnDims& d) {
  return cpu::attention_backward(P(dq), P(dk), P(dv), P(dout), P(out), P(lse), P(q), P(k), P(v), P(seg_q), P(seg_k), d, ex_);
}
void CpuBackend::swiglu_forward(DPtr<float> h, DPtr<float> g, DPtr<float> u, int64_t N) {
  cpu::swiglu_forward(P(h), P(g), P(u), N, ex_);
}
void CpuBackend::swiglu_backward(DPtr<float> dg, DPtr<float> du, DPtr<float> dh, DPtr<float> g, DPtr<float> u, int64_t N) {
  cpu::swiglu_backward(P(dg), P(du), P(dh), P(g), P(u), N, ex_);
}
Status CpuBackend::logsoftmax_gather_forward(DPtr<float> logp, DPtr<float> lse, DPtr<float> h, const Weight& head,
                                             DPtr<int32_t> target, int64_t T, int64_t chunk, DPtr<float> scratch) {
  return cpu::logsoftmax_gather_forward(P(logp), P(lse), P(h), ref(head), P(target), T, chunk, P(scratch), ex_);
}
Status CpuBackend::logsoftmax_gather_backward(DPtr<float> dh, DPtr<float> g, DPtr<float> h, const Weight& head,
                                              DPtr<int32_t> target, DPtr<float> lse, int64_t T, int64_t chunk,
                                              DPtr<float> scratch, bool accumulate, DPtr<float> dhead) {
  return cpu::logsoftmax_gather_backward(P(dh), P(g), P(h), ref(head), P(target), P(lse), T, chunk, P(scratch), accumulate, ex_,
                                         P(dhead));
}
Status CpuBackend::logits_row(DPtr<float> logits, DPtr<float> h, const Weight& head) {
  return cpu::logits_row(P(logits), P(h), ref(head), ex_);
}
Status CpuBackend::embedding_forward(DPtr<float> out, DPtr<int32_t> ids, const Weight& table, int64_t T) {
  return cpu::embedding_forward(P(out), P(ids), ref(table), T, ex_);
}
Status CpuBackend::embedding_backward(DPtr<float> dtable, DPtr<float> dout, DPtr<int32_t> ids, int64_t T, int64_t V,
                                      int64_t C) {
  return cpu::embedding_backward(P(dtable), P(dout), P(ids), T, V, C);
}
void CpuBackend::add(DPtr<float> y, DPtr<float> a, DPtr<float> b, int64_t n) { cpu::add(P(y), P(a), P(b), n, ex_); }
void CpuBackend::copy(DPtr<float> y, DPtr<float> x, int64_t n) {
  if (n > 0) std::memcpy(P(y), P(x), static_cast<size_t>(n) * 4);
}
void CpuBackend::fill(DPtr<float> y, float v, int64_t n) { cpu::fill(P(y), v, n); }
void CpuBackend::adamw_step(DPtr<float> param, DPtr<float> m, DPtr<float> v, DPtr<float> grad, int64_t n,
                            const cpu::AdamW& opt, float grad_scale) {
  cpu::adamw_step(P(param), P(m), P(v), P(grad), n, opt, grad_scale, ex_);
}
double CpuBackend::grad_norm(const GradBuf* bufs, int64_t n_bufs) {
  std::vector<BufView> views(static_cast<size_t>(n_bufs));
  for (int64_t i = 0; i < n_bufs; ++i) views[i] = {P(bufs[i].p), bufs[i].n};
  return cpu::grad_norm(views.data(), n_bufs, ex_);
}

}  // namespace lathe::backend
