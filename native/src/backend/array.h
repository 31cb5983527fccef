// A tracked, move-only array of T in backend memory: the backend allocates it, the MemTracker counts its bytes in one
// arena (so the memory plan can be held against the measured peak), and model code sees only DPtr handles into it.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "backend/backend.h"
#include "model/memory.h"

namespace lathe::backend {

template <typename T>
class Array {
 public:
  Array() = default;
  ~Array() { release(); }
  Array(Array&& o) noexcept { *this = std::move(o); }
  Array& operator=(Array&& o) noexcept {
    if (this != &o) {
      release();
      be_ = o.be_; tr_ = o.tr_; k_ = o.k_; h_ = o.h_; n_ = o.n_;
      o.h_ = nullptr; o.n_ = 0;
    }
    return *this;
  }
  Array(const Array&) = delete;
  Array& operator=(const Array&) = delete;

  // n elements (exact bytes counted in arena k). Out of memory is a Status, never a crash.
  Status alloc(Backend* be, model::MemTracker* tr, model::ArenaKind k, int64_t n, bool zero = false) {
    release();
    if (n <= 0) return Status::Ok();
    h_ = be->alloc(n * static_cast<int64_t>(sizeof(T)), zero);
    if (!h_)
      return Status::error(status_code::out_of_memory, "the " + std::string(model::arena_name(k)) + " arena could not get " +
                           std::to_string(n * sizeof(T)) + " bytes on " + be->device(),
                           "Lower the batch size, sequence length or LoRA rank, or use --quant nf4.");
    be_ = be; tr_ = tr; k_ = k; n_ = n;
    if (tr_) tr_->add(k_, bytes());
    return Status::Ok();
  }
  void release() {
    if (!h_) return;
    if (tr_) tr_->sub(k_, bytes());
    be_->free(h_);
    h_ = nullptr; n_ = 0;
  }
  DPtr<T> ptr() const { return {h_, 0}; }
  int64_t size() const { return n_; }
  int64_t bytes() const { return n_ * static_cast<int64_t>(sizeof(T)); }
  // Host transfers (load, checkpoint, metrics only).
  void upload(const T* src, int64_t n, int64_t off = 0) { if (n > 0) be_->upload(h_, off * sizeof(T), src, n * sizeof(T)); }
  void download(T* dst, int64_t n, int64_t off = 0) const { if (n > 0) be_->download(dst, h_, off * sizeof(T), n * sizeof(T)); }
  std::vector<T> to_host() const {
    std::vector<T> v(static_cast<size_t>(n_));
    download(v.data(), n_);
    return v;
  }

 private:
  Backend* be_ = nullptr;
  model::MemTracker* tr_ = nullptr;
  model::ArenaKind k_ = model::ArenaKind::scratch;
  void* h_ = nullptr;
  int64_t n_ = 0;
};

}  // namespace lathe::backend
