// VulkanBackend: maps the model's DPtr handles onto device buffer views and records the vk:: ops (see the header).
// Views: a tensor at a byte offset the device accepts as a binding (minStorageBufferOffsetAlignment) is bound in place;
// matrices reach unaligned rows through an element offset; any other unaligned tensor goes through a temporary copy
// (copy in, op, copy back), which the engine's 64-byte buffer layout keeps rare.
#ifdef LATHE_HAVE_VULKAN
#include "backend/vulkan_backend.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace lathe::backend {

namespace {

// Above this many recorded dispatches the recorder is flushed at the next op, so a long forward never builds one
// giant command buffer (and temporaries are freed along the way).
constexpr size_t kFlushDispatches = 2048;

}  // namespace

// The views of one op's arguments. Staged outputs are copied back by finish(), after the op was recorded.
class VulkanBackend::Args {
 public:
  explicit Args(VulkanBackend& be) : be_(be) {
    if (be_.rec_->dispatch_count() > kFlushDispatches) be_.keep(be_.flush());
  }

  // n elements of T at p, bound as a view: in place when aligned, else a temporary copy (written back when `out`).
  template <typename T>
  vk::View in(DPtr<T> p, int64_t n) { return view(p.h, p.off * int64_t(sizeof(T)), n * int64_t(sizeof(T)), false); }
  template <typename T>
  vk::View out(DPtr<T> p, int64_t n) { return view(p.h, p.off * int64_t(sizeof(T)), n * int64_t(sizeof(T)), true); }

  // rows x ld floats at p as a matrix: the view starts at the aligned byte at or below p, and the element offset
  // covers the rest (the GEMM and head shaders take one), so matrices never need a copy.
  vk::DMat mat(DPtr<float> p, int64_t rows, int64_t ld) {
    if (!p.h) return vk::DMat{};
    const uint64_t align = be_.ctx_.storage_align();
    const uint64_t byte = uint64_t(p.off) * 4, base = byte - byte % align;
    return vk::DMat{vk::View{be_.buffer(p.h), base, byte - base + uint64_t(rows * ld) * 4}, (byte - base) / 4, ld};
  }
  // A matrix the op needs at element offset 0 (a biased output): an aligned view or a temporary copy.
  vk::DMat mat0(DPtr<float> p, int64_t rows, int64_t ld, bool is_out) {
    if (!p.h) return vk::DMat{};
    return vk::DMat{view(p.h, p.off * 4, rows * ld * 4, is_out), 0, ld};
  }

  const Status& status() const { return st_; }

  // Records the copy-backs of staged outputs (only when the op succeeded) and hands the temporaries to the backend,
  // which frees them after the next submit.
  Status finish(Status st) {
    if (st.ok() && st_.ok())
      for (const Back& b : back_) be_.rec_->copy(b.dst, vk::View{b.tmp, 0, b.bytes}, b.bytes);
    for (auto& t : temps_) be_.temps_.push_back(std::move(t));
    temps_.clear();
    return st.ok() ? st_ : st;
  }

 private:
  struct Back {
    vk::View dst;
    const vk::Buffer* tmp;
    uint64_t bytes;
  };

  vk::View view(void* h, int64_t byte_off, int64_t bytes, bool is_out) {
    if (!h) return vk::View{};
    vk::Buffer* buf = be_.buffer(h);
    const uint64_t off = uint64_t(byte_off), n = uint64_t(std::max<int64_t>(bytes, 0));
    if (off % be_.ctx_.storage_align() == 0 || n == 0) return vk::View{buf, off - off % be_.ctx_.storage_align(), n};
    auto tmp = std::make_unique<vk::Buffer>();
    Status st = be_.ctx_.alloc(tmp.get(), n);
    if (!st.ok()) {
      if (st_.ok()) st_ = st;
      return vk::View{};
    }
    be_.rec_->copy(vk::View{tmp.get(), 0, n}, vk::View{buf, off, n}, n);
    if (is_out) back_.push_back({vk::View{buf, off, n}, tmp.get(), n});
    vk::View v{tmp.get(), 0, n};
    temps_.push_back(std::move(tmp));
    ++be_.staged_;
    return v;
  }

  VulkanBackend& be_;
  Status st_ = Status::Ok();
  std::vector<std::unique_ptr<vk::Buffer>> temps_;
  std::vector<Back> back_;
};

Status VulkanBackend::create(int device_index, std::unique_ptr<Backend>& out) {
  std::unique_ptr<VulkanBackend> be(new VulkanBackend());
  vk::ContextOptions o;
  o.device_index = device_index;
  if (const char* p = std::getenv("LATHE_VULKAN_PIPELINE_CACHE")) o.pipeline_cache_path = p;
  LATHE_RETURN_IF_ERROR(be->ctx_.init(o));
  be->rec_ = std::make_unique<vk::Recorder>(be->ctx_);
  // Tensor cores only after the start-up self-check passes on this device (never on lavapipe); the FMA kernels
  // otherwise. LATHE_VULKAN_NO_COOPMAT=1 keeps the FMA kernels everywhere (to compare the two).
  const char* no_cm = std::getenv("LATHE_VULKAN_NO_COOPMAT");
  if (!(no_cm && std::strcmp(no_cm, "1") == 0)) (void)vk::enable_coopmat_gemm(be->ctx_);
  out = std::move(be);
  return Status::Ok();
}

VulkanBackend::~VulkanBackend() {
  if (rec_) (void)rec_->submit();
  (void)ctx_.wait_idle();
  vk::disable_coopmat_gemm(ctx_);
  temps_.clear();
  scratch_.release();
  weights_.clear();
  rec_.reset();
  (void)ctx_.save_pipeline_cache();
}

std::string VulkanBackend::name() const {
  const vk::DeviceInfo& d = ctx_.device();
  return std::string("vulkan (") + d.name + ", " + vk::device_type_name(d.type) +
         (vk::coopmat_gemm_enabled(ctx_) ? ", tensor cores" : "") + ")";
}

int64_t VulkanBackend::scratch_bytes() const { return int64_t(scratch_.size()); }

void VulkanBackend::keep(const Status& st) {
  if (!st.ok() && err_.ok()) err_ = st;
}

Status VulkanBackend::flush() {
  Status st = rec_->submit();
  temps_.clear();
  return st;
}

Status VulkanBackend::sync() {
  keep(flush());
  Status st = std::move(err_);
  err_ = Status::Ok();
  return st;
}

Status VulkanBackend::scratch(int64_t floats, vk::View* out) {
  const uint64_t bytes = uint64_t(std::max<int64_t>(floats, 1)) * 4;
  if (scratch_.size() < bytes) {
    LATHE_RETURN_IF_ERROR(flush());  // recorded ops may still read the old scratch
    scratch_.release();
    LATHE_RETURN_IF_ERROR(ctx_.alloc(&scratch_, bytes));  // exact: the memory plan counts the largest request
  }
  *out = scratch_.view(0, bytes);
  return Status::Ok();
}

void* VulkanBackend::alloc(int64_t bytes, bool zero) {
  auto buf = std::make_unique<vk::Buffer>();
  Status st = ctx_.alloc(buf.get(), uint64_t(std::max<int64_t>(bytes, 4)));
  if (!st.ok()) return nullptr;
  if (zero) {
    st = buf->fill_u32(0);
    if (!st.ok()) { keep(st); return nullptr; }
  }
  return buf.release();
}

void VulkanBackend::free(void* handle) {
  if (!handle) return;
  keep(flush());  // the recorded ops may still use it
  delete buffer(handle);
}

void VulkanBackend::upload(void* handle, int64_t byte_off, const void* src, int64_t bytes) {
  if (bytes <= 0) return;
  keep(flush());  // ops recorded before this upload read the old contents
  keep(buffer(handle)->upload(src, uint64_t(bytes), uint64_t(byte_off)));
}

void VulkanBackend::download(void* dst, const void* handle, int64_t byte_off, int64_t bytes) {
  if (bytes <= 0) return;
  keep(flush());
  Status st = buffer(handle)->download(dst, uint64_t(bytes), uint64_t(byte_off));
  if (!st.ok()) {
    std::memset(dst, 0, size_t(bytes));  // never hand back stale host memory; sync() reports the error
    keep(st);
  }
}

Weight VulkanBackend::upload_weight(const cpu::WeightRef& w) {
  auto slot = std::make_unique<DeviceWeightSlot>();
  const int64_t bytes = vk::device_weight_bytes(w);
  Status st = bytes > 0 ? ctx_.alloc(&slot->buf, uint64_t(bytes))
                        : Status::error(status_code::unsupported, "vulkan: this weight dtype cannot be uploaded");
  if (st.ok()) st = vk::upload_weight(slot->buf, 0, w, &slot->w);
  if (!st.ok()) {
    keep(st);
    return Weight{-1, w.dtype, w.out, w.in};
  }
  weight_bytes_ += bytes;
  weights_.push_back(std::move(slot));
  return Weight{int32_t(weights_.size() - 1), w.dtype, w.out, w.in};
}

// The slot holds no buffer of its own: the weight is a view of the caller's (trainable) buffer.
Weight VulkanBackend::weight_f32(DPtr<float> p, int64_t out, int64_t in) {
  auto slot = std::make_unique<DeviceWeightSlot>();
  Args a(*this);
  slot->w = vk::DeviceWeight::f32(a.mat(p, out, in).view, out, in, a.mat(p, out, in).off);
  keep(a.finish(Status::Ok()));
  weights_.push_back(std::move(slot));
  return Weight{int32_t(weights_.size() - 1), DType::f32, out, in};
}

namespace {

Status bad_weight() {
  return Status::error(status_code::invalid_argument, "vulkan: a weight failed to upload", "See the error reported at load.");
}

}  // namespace

Status VulkanBackend::matmul_forward(DPtr<float> y, DPtr<float> lora_u, DPtr<float> x, const Weight& w, DPtr<float> bias,
                                     const Lora* lora, int64_t T) {
  if (w.id < 0) return bad_weight();
  Args a(*this);
  const vk::DeviceWeight& W = dw(w);
  vk::DeviceLora l;
  if (lora) l = vk::DeviceLora{a.mat(lora->A, lora->r, w.in), a.mat(lora->B, w.out, lora->r), lora->r, lora->scale,
                               lora->dropout, lora->seed};
  const int64_t r = lora ? lora->r : 0;
  vk::DMat Y = bias ? a.mat0(y, T, w.out, true) : a.mat(y, T, w.out);
  vk::DMat B = bias ? vk::DMat{a.in(bias, w.out), 0, w.out} : vk::DMat{};
  vk::DMat U = lora ? a.mat(lora_u, T, r) : vk::DMat{};
  vk::View s;
  Status st = a.status();
  if (st.ok()) st = scratch(vk::matmul_forward_scratch_floats(T, w.in, lora ? &l : nullptr, bool(lora_u)), &s);
  if (st.ok())
    st = vk::matmul_forward(ctx_, *rec_, Y, U, a.mat(x, T, w.in), W, B, lora ? &l : nullptr, T, vk::DMat{s, 0, 0});
  return a.finish(st);
}

Status VulkanBackend::matmul_backward(DPtr<float> dx, DPtr<float> dA, DPtr<float> dB, DPtr<float> dy, DPtr<float> x,
                                      DPtr<float> lora_u, const Weight& w, const Lora* lora, int64_t T,
                                      bool accumulate_dx) {
  if (w.id < 0) return bad_weight();
  Args a(*this);
  vk::DeviceLora l;
  const int64_t r = lora ? lora->r : 0;
  if (lora) l = vk::DeviceLora{a.mat(lora->A, r, w.in), a.mat(lora->B, w.out, r), r, lora->scale, lora->dropout,
                               lora->seed};
  vk::View s;
  Status st = scratch(vk::matmul_backward_scratch_floats(T, w.in, lora ? &l : nullptr, bool(lora_u)), &s);
  if (st.ok())
    st = vk::matmul_backward(ctx_, *rec_, a.mat(dx, T, w.in), a.mat(dA, r, w.in), a.mat(dB, w.out, r), a.mat(dy, T, w.out),
                             a.mat(x, T, w.in), lora ? a.mat(lora_u, T, r) : vk::DMat{}, dw(w), lora ? &l : nullptr, T,
                             accumulate_dx, vk::DMat{s, 0, 0});
  return a.finish(st);
}

void VulkanBackend::rmsnorm_forward(DPtr<float> y, DPtr<float> rstd, DPtr<float> x, DPtr<float> w, int64_t N, int64_t C,
                                    float eps) {
  Args a(*this);
  vk::View Y = a.out(y, N * C), R = a.out(rstd, N), X = a.in(x, N * C), W = a.in(w, C);
  keep(a.finish(a.status().ok() ? vk::rmsnorm_forward(ctx_, *rec_, Y, R, X, W, N, C, eps) : Status::Ok()));
}

void VulkanBackend::rmsnorm_backward(DPtr<float> dx, DPtr<float> dw_, DPtr<float> dy, DPtr<float> x, DPtr<float> w,
                                     DPtr<float> rstd, int64_t N, int64_t C, bool accumulate) {
  Args a(*this);
  vk::View DX = a.out(dx, N * C), DW = a.out(dw_, C), DY = a.in(dy, N * C), X = a.in(x, N * C), W = a.in(w, C),
           R = a.in(rstd, N);
  keep(a.finish(a.status().ok() ? vk::rmsnorm_backward(ctx_, *rec_, DX, DW, DY, X, W, R, N, C, accumulate) : Status::Ok()));
}

// The table is built on the host with the CPU's code (so both backends rotate by the same angles) and uploaded once.
void VulkanBackend::rope_table(DPtr<float> cos, DPtr<float> sin, const float* inv_freq, int64_t HD, int64_t P) {
  std::vector<float> c(size_t(P * (HD / 2))), s(c.size());
  cpu::rope_table(c.data(), s.data(), inv_freq, HD, P);
  write(cos, c.data(), int64_t(c.size()));
  write(sin, s.data(), int64_t(s.size()));
}

Status VulkanBackend::rope_forward(DPtr<float> y, DPtr<float> x, DPtr<int32_t> pos, DPtr<float> cos, DPtr<float> sin,
                                   int64_t T, int64_t NHX, int64_t HD, int64_t P) {
  Args a(*this);
  const int64_t n = T * NHX * HD, tab = P * (HD / 2);
  vk::View Y = a.out(y, n), X = a.in(x, n), Pos = a.in(pos, T), Cs = a.in(cos, tab), Sn = a.in(sin, tab);
  Status st = a.status();
  if (st.ok()) st = vk::rope_forward(ctx_, *rec_, Y, X, Pos, Cs, Sn, T, NHX, HD, P);
  return a.finish(st);
}

Status VulkanBackend::rope_backward(DPtr<float> dx, DPtr<float> dy, DPtr<int32_t> pos, DPtr<float> cos,
                                    DPtr<float> sin, int64_t T, int64_t NHX, int64_t HD, int64_t P) {
  Args a(*this);
  const int64_t n = T * NHX * HD, tab = P * (HD / 2);
  vk::View DX = a.out(dx, n), DY = a.in(dy, n), Pos = a.in(pos, T), Cs = a.in(cos, tab), Sn = a.in(sin, tab);
  Status st = a.status();
  if (st.ok()) st = vk::rope_backward(ctx_, *rec_, DX, DY, Pos, Cs, Sn, T, NHX, HD, P);
  return a.finish(st);
}

Status VulkanBackend::attention_forward(DPtr<float> out, DPtr<float> lse, DPtr<float> q, DPtr<float> k, DPtr<float> v,
                                        DPtr<int32_t> seg_q, DPtr<int32_t> seg_k, const cpu::AttnDims& d) {
  Args a(*this);
  const int64_t qn = d.T * d.NH * d.HD, kn = d.S * d.NKV * d.HD;
  vk::View O = a.out(out, qn), L = a.out(lse, d.NH * d.T), Q = a.in(q, qn), K = a.in(k, kn), V = a.in(v, kn),
           SQ = a.in(seg_q, d.T), SK = a.in(seg_k, d.S);
  Status st = a.status();
  if (st.ok()) st = vk::attention_forward(ctx_, *rec_, O, L, Q, K, V, SQ, SK, d);
  return a.finish(st);
}

Status VulkanBackend::attention_backward(DPtr<float> dq, DPtr<float> dk, DPtr<float> dv, DPtr<float> dout,
                                         DPtr<float> out, DPtr<float> lse, DPtr<float> q, DPtr<float> k, DPtr<float> v,
                                         DPtr<int32_t> seg_q, DPtr<int32_t> seg_k, const cpu::AttnDims& d) {
  vk::View s;
  LATHE_RETURN_IF_ERROR(scratch(vk::attention_backward_scratch_floats(d), &s));
  Args a(*this);
  const int64_t qn = d.T * d.NH * d.HD, kn = d.S * d.NKV * d.HD;
  vk::View DQ = a.out(dq, qn), DK = a.out(dk, kn), DV = a.out(dv, kn), DO = a.in(dout, qn), O = a.in(out, qn),
           L = a.in(lse, d.NH * d.T), Q = a.in(q, qn), K = a.in(k, kn), V = a.in(v, kn), SQ = a.in(seg_q, d.T),
           SK = a.in(seg_k, d.S);
  Status st = a.status();
  if (st.ok()) st = vk::attention_backward(ctx_, *rec_, DQ, DK, DV, DO, O, L, Q, K, V, SQ, SK, d, s);
  return a.finish(st);
}

void VulkanBackend::swiglu_forward(DPtr<float> h, DPtr<float> g, DPtr<float> u, int64_t N) {
  Args a(*this);
  vk::View H = a.out(h, N), G = a.in(g, N), U = a.in(u, N);
  keep(a.finish(a.status().ok() ? vk::swiglu_forward(ctx_, *rec_, H, G, U, N) : Status::Ok()));
}

void VulkanBackend::swiglu_backward(DPtr<float> dg, DPtr<float> du, DPtr<float> dh, DPtr<float> g, DPtr<float> u,
                                    int64_t N) {
  Args a(*this);
  vk::View DG = a.out(dg, N), DU = a.out(du, N), DH = a.in(dh, N), G = a.in(g, N), U = a.in(u, N);
  keep(a.finish(a.status().ok() ? vk::swiglu_backward(ctx_, *rec_, DG, DU, DH, G, U, N) : Status::Ok()));
}

Status VulkanBackend::logsoftmax_gather_forward(DPtr<float> logp, DPtr<float> lse, DPtr<float> h, const Weight& head,
                                                DPtr<int32_t> target, int64_t T, int64_t chunk, DPtr<float> scratch_) {
  if (head.id < 0) return bad_weight();
  Args a(*this);
  const int64_t C = head.in;
  vk::View LP = a.out(logp, T), L = a.out(lse, T), TG = a.in(target, T),
           S = a.in(scratch_, vk::logsoftmax_gather_scratch_floats(T, head.out, chunk));
  Status st = a.status();
  if (st.ok()) st = vk::logsoftmax_gather_forward(ctx_, *rec_, LP, L, a.mat(h, T, C), dw(head), TG, T, chunk, S);
  return a.finish(st);
}

Status VulkanBackend::logsoftmax_gather_backward(DPtr<float> dh, DPtr<float> g, DPtr<float> h, const Weight& head,
                                                 DPtr<int32_t> target, DPtr<float> lse, int64_t T, int64_t chunk,
                                                 DPtr<float> scratch_, bool accumulate, DPtr<float> dhead) {
  if (head.id < 0) return bad_weight();
  Args a(*this);
  const int64_t C = head.in;
  vk::View G = a.in(g, T), TG = a.in(target, T), L = a.in(lse, T),
           S = a.in(scratch_, vk::logsoftmax_gather_scratch_floats(T, head.out, chunk));
  Status st = a.status();
  if (st.ok())
    st = vk::logsoftmax_gather_backward(ctx_, *rec_, a.mat(dh, T, C), G, a.mat(h, T, C), dw(head), TG, L, T, chunk, S,
                                        accumulate, a.mat(dhead, head.out, C));
  return a.finish(st);
}

Status VulkanBackend::logits_row(DPtr<float> logits, DPtr<float> h, const Weight& head) {
  if (head.id < 0) return bad_weight();
  Args a(*this);
  return a.finish(vk::logits_row(ctx_, *rec_, a.mat(logits, 1, head.out), a.mat(h, 1, head.in), dw(head)));
}

Status VulkanBackend::embedding_forward(DPtr<float> out, DPtr<int32_t> ids, const Weight& table, int64_t T) {
  if (table.id < 0) return bad_weight();
  const vk::DeviceWeight& W = dw(table);
  if (W.dtype != DType::f32 && W.dtype != DType::bf16)
    return Status::error(status_code::unsupported, "vulkan embedding: the table must be f32 or bf16");
  Args a(*this);
  vk::View O = a.out(out, T * W.in), I = a.in(ids, T);
  Status st = a.status();
  if (st.ok()) st = vk::embedding_forward(ctx_, *rec_, O, I, W.words, W.dtype, T, W.out, W.in);
  return a.finish(st);
}

Status VulkanBackend::embedding_backward(DPtr<float> dtable, DPtr<float> dout, DPtr<int32_t> ids, int64_t T, int64_t V,
                                         int64_t C) {
  Args a(*this);
  vk::View D = a.out(dtable, V * C), O = a.in(dout, T * C), I = a.in(ids, T);
  Status st = a.status();
  if (st.ok()) st = vk::embedding_backward(ctx_, *rec_, D, O, I, T, V, C);
  return a.finish(st);
}

void VulkanBackend::add(DPtr<float> y, DPtr<float> a_, DPtr<float> b, int64_t n) {
  Args a(*this);
  vk::View Y = a.out(y, n), A = a.in(a_, n), B = a.in(b, n);
  keep(a.finish(a.status().ok() ? vk::add(ctx_, *rec_, Y, A, B, n) : Status::Ok()));
}

// Copies and fills are transfer commands: any 4-byte offset works, so no view is ever staged for them.
void VulkanBackend::copy(DPtr<float> y, DPtr<float> x, int64_t n) {
  if (n <= 0) return;
  Args a(*this);
  const uint64_t bytes = uint64_t(n) * 4;
  rec_->copy(vk::View{buffer(y.h), uint64_t(y.off) * 4, bytes}, vk::View{buffer(x.h), uint64_t(x.off) * 4, bytes}, bytes);
  keep(a.finish(Status::Ok()));
}

void VulkanBackend::fill(DPtr<float> y, float v, int64_t n) {
  if (n <= 0) return;
  Args a(*this);
  uint32_t word;
  std::memcpy(&word, &v, 4);
  rec_->fill_u32(vk::View{buffer(y.h), uint64_t(y.off) * 4, uint64_t(n) * 4}, word);
  keep(a.finish(Status::Ok()));
}

void VulkanBackend::adamw_step(DPtr<float> param, DPtr<float> m, DPtr<float> v, DPtr<float> grad, int64_t n,
                               const cpu::AdamW& opt, float grad_scale) {
  Args a(*this);
  vk::View P = a.out(param, n), M = a.out(m, n), V = a.out(v, n), G = a.in(grad, n);
  keep(a.finish(a.status().ok() ? vk::adamw_step(ctx_, *rec_, P, M, V, G, n, opt, grad_scale) : Status::Ok()));
}

double VulkanBackend::grad_norm(const GradBuf* bufs, int64_t n_bufs) {
  std::vector<vk::DBuf> views(size_t(std::max<int64_t>(n_bufs, 0)));
  Args a(*this);
  for (int64_t i = 0; i < n_bufs; ++i) views[size_t(i)] = vk::DBuf{a.in(bufs[i].p, bufs[i].n), bufs[i].n};
  vk::View s;
  Status st = a.status();
  if (st.ok()) st = scratch(vk::grad_norm_scratch_floats(views.data(), n_bufs), &s);
  double out = std::numeric_limits<double>::quiet_NaN();
  if (st.ok()) st = vk::grad_norm(ctx_, *rec_, views.data(), n_bufs, s, &out);
  st = a.finish(st);
  temps_.clear();  // vk::grad_norm submitted and waited
  if (!st.ok()) {
    keep(st);
    return std::numeric_limits<double>::quiet_NaN();  // the step is skipped; sync() reports why
  }
  return out;
}

}  // namespace lathe::backend
#endif  // LATHE_HAVE_VULKAN
