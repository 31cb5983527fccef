// GEMM front door: weight descriptors, validation and the thread split over M or N; the ISA kernel comes from dispatch.h.
#include <algorithm>
#include <atomic>
#include <string>

#include "cpu/dispatch.h"
#include "cpu/gemm_internal.h"
#include "quant/bf16.h"

namespace lathe::cpu {

WeightRef WeightRef::from_f32(const float* w, int64_t out, int64_t in, int64_t ld) {
  WeightRef r;
  r.ld = ld;
  r.dtype = DType::f32;
  r.f32 = w;
  r.out = out;
  r.in = in;
  return r;
}
WeightRef WeightRef::from_bf16(const uint16_t* w, int64_t out, int64_t in) {
  WeightRef r;
  r.dtype = DType::bf16;
  r.bf16 = w;
  r.out = out;
  r.in = in;
  return r;
}
WeightRef WeightRef::from_nf4(const quant::Nf4View& v) {
  WeightRef r;
  r.dtype = DType::nf4;
  r.nf4 = v;
  r.out = v.rows;
  r.in = v.cols;
  return r;
}
WeightRef WeightRef::from_int8(const quant::Int8View& v) {
  WeightRef r;
  r.dtype = DType::int8;
  r.int8 = v;
  r.out = v.rows;
  r.in = v.cols;
  return r;
}

Status validate(const WeightRef& w) {
  if (w.out <= 0 || w.in <= 0) return Status::invalid("weight has non-positive dims");
  switch (w.dtype) {
    case DType::f32:
      if (!w.f32) return Status::invalid("f32 weight without data");
      if (w.ld != 0 && w.ld < w.in) return Status::invalid("f32 weight row stride smaller than its width");
      return Status::Ok();
    case DType::bf16:
      if (!w.bf16) return Status::invalid("bf16 weight without data");
      return Status::Ok();
    case DType::nf4:
      if (!w.nf4.packed || w.nf4.rows != w.out || w.nf4.cols != w.in) return Status::invalid("nf4 weight view mismatch");
      if (!w.nf4.absmax && (!w.nf4.absmax_q || !w.nf4.absmax_scale)) return Status::invalid("nf4 weight without absmax");
      return Status::Ok();
    case DType::int8:
      if (!w.int8.q || !w.int8.scales || w.int8.rows != w.out || w.int8.cols != w.in)
        return Status::invalid("int8 weight view mismatch");
      return Status::Ok();
    default:
      return Status::error(status_code::unsupported, std::string("matmul weight dtype ") + dtype_name(w.dtype) +
                                                         " is not supported");
  }
}

void weight_row(float* dst, const WeightRef& w, int64_t r, int64_t c0, int64_t c1) {
  switch (w.dtype) {
    case DType::f32:
      std::copy(w.f32 + r * w.row_stride() + c0, w.f32 + r * w.row_stride() + c1, dst);
      return;
    case DType::bf16:
      quant::bf16_to_f32_n(dst, w.bf16 + r * w.in + c0, c1 - c0);
      return;
    case DType::nf4:
      quant::nf4_dequantize_range(dst, w.nf4, r * w.in + c0, r * w.in + c1);
      return;
    case DType::int8:
      quant::int8_dequantize_row(dst, w.int8, r, c0, c1);
      return;
    default:
      std::fill(dst, dst + (c1 - c0), 0.f);
  }
}

namespace {

using Worker = void (*)(const detail::GemmTask&);

// Splits the (M, N) output over threads: along N in NR-wide tiles when there are enough of them (each thread then
// dequantizes disjoint weight panels), else along M (small-N GEMMs such as the LoRA rank-r products). Threads take
// chunks from a shared counter, so a descheduled thread (a busy machine) delays only its current chunk. Each C element
// is still computed by one thread in a fixed order: results do not depend on the assignment.
void run_gemm(Worker worker, detail::GemmTask base, int64_t M, int64_t N, Isa isa, ThreadPool* pool) {
  int nth = pool ? pool->size() : 1;
  int64_t nr = detail::gemm_nr(isa), mr = detail::gemm_mr(isa);
  int64_t n_tiles = (N + nr - 1) / nr, m_tiles = (M + mr - 1) / mr;
  double work = static_cast<double>(M) * N * base.K;
  if (nth <= 1 || work < 2e5) {
    base.m0 = 0, base.m1 = M, base.n0 = 0, base.n1 = N;
    worker(base);
    return;
  }
  bool split_n = n_tiles >= 2 * nth || n_tiles >= m_tiles;
  // N chunks: 1-2 panels (a panel is packed once per chunk either way). M chunks: every chunk repacks all of W's
  // panels, so only about two per thread.
  int64_t units = split_n ? n_tiles : m_tiles;
  int64_t chunk = split_n ? (n_tiles >= 16 * nth ? 2 : 1) : std::max<int64_t>(1, (m_tiles + 2 * nth - 1) / (2 * nth));
  std::atomic<int64_t> next{0};
  pool->run([&](int, int) {
    for (;;) {
      int64_t a = next.fetch_add(chunk, std::memory_order_relaxed);
      if (a >= units) return;
      int64_t b = std::min(units, a + chunk);
      detail::GemmTask t = base;
      if (split_n) t.m0 = 0, t.m1 = M, t.n0 = std::min(N, a * nr), t.n1 = std::min(N, b * nr);
      else t.n0 = 0, t.n1 = N, t.m0 = std::min(M, a * mr), t.m1 = std::min(M, b * mr);
      if (t.m0 < t.m1 && t.n0 < t.n1) worker(t);
    }
  });
}

}  // namespace

Status gemm_nt(float* C, int64_t ldc, const float* A, int64_t lda, const WeightRef& W, int64_t M, float alpha,
               bool accumulate, const Exec& ex) {
  LATHE_RETURN_IF_ERROR(validate(W));
  if (M < 0 || !C || !A || lda < W.in || ldc < W.out) return Status::invalid("gemm_nt: bad buffers or strides");
  if (M == 0) return Status::Ok();
  const Kernels& k = kernels(ex.isa);
  detail::GemmTask t{C, ldc, A, lda, &W, W.in, 0, M, 0, W.out, alpha, accumulate};
  run_gemm(k.gemm_nt, t, M, W.out, k.isa, ex.pool);
  return Status::Ok();
}

Status gemm_nn(float* C, int64_t ldc, const float* A, int64_t lda, const WeightRef& W, int64_t M, float alpha,
               bool accumulate, const Exec& ex) {
  LATHE_RETURN_IF_ERROR(validate(W));
  if (M < 0 || !C || !A || lda < W.out || ldc < W.in) return Status::invalid("gemm_nn: bad buffers or strides");
  if (M == 0) return Status::Ok();
  const Kernels& k = kernels(ex.isa);
  detail::GemmTask t{C, ldc, A, lda, &W, W.out, 0, M, 0, W.in, alpha, accumulate};
  run_gemm(k.gemm_nn, t, M, W.in, k.isa, ex.pool);
  return Status::Ok();
}

void gemm_tn_acc(float* C, const float* A, const float* B, int64_t K, int64_t M, int64_t N, float alpha,
                 const Exec& ex) {
  const auto fn = kernels(ex.isa).gemm_tn;
  if (!ex.pool || ex.pool->size() <= 1 || static_cast<double>(K) * M * N < 2e5) {
    fn(C, A, B, K, M, N, 0, N, alpha);
    return;
  }
  // Split N in 16-column-aligned chunks so threads never share a cache line of C.
  int64_t chunks = (N + 15) / 16;
  ex.pool->parallel_for(chunks, [&](int64_t b, int64_t e, int) { fn(C, A, B, K, M, N, b * 16, std::min(N, e * 16), alpha); });
}

}  // namespace lathe::cpu
