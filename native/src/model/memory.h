// Memory accounting: every byte the engine allocates goes through a tracked arena, so the planned bytes can be held
// against the measured peak. Memory-mapped checkpoint files are not counted (they are OS page cache, not our allocations).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

namespace lathe::model {

enum class ArenaKind : int { weights = 0, lora = 1, kv_cache = 2, activations = 3, scratch = 4, optimizer = 5, count = 6 };
const char* arena_name(ArenaKind k);

// Live bytes per arena and the peak of their sum (and of each arena) since the last reset.
class MemTracker {
 public:
  void add(ArenaKind k, int64_t bytes);
  void sub(ArenaKind k, int64_t bytes);
  int64_t current(ArenaKind k) const { return cur_[static_cast<int>(k)].load(); }
  int64_t peak(ArenaKind k) const { return peak_[static_cast<int>(k)].load(); }
  int64_t total_current() const { return total_.load(); }
  int64_t total_peak() const { return total_peak_.load(); }
  void reset_peaks();

 private:
  std::atomic<int64_t> cur_[static_cast<int>(ArenaKind::count)] = {};
  std::atomic<int64_t> peak_[static_cast<int>(ArenaKind::count)] = {};
  std::atomic<int64_t> total_{0}, total_peak_{0};
};

// A tracked, 64-byte aligned, uninitialised (or zeroed) array of T. Move-only.
template <typename T>
class Buf {
 public:
  Buf() = default;
  Buf(MemTracker* tr, ArenaKind k, int64_t n, bool zero = false) { alloc(tr, k, n, zero); }
  ~Buf() { release(); }
  Buf(Buf&& o) noexcept { *this = std::move(o); }
  Buf& operator=(Buf&& o) noexcept {
    if (this != &o) {
      release();
      p_ = o.p_; n_ = o.n_; tr_ = o.tr_; k_ = o.k_;
      o.p_ = nullptr; o.n_ = 0; o.tr_ = nullptr;
    }
    return *this;
  }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;

  void alloc(MemTracker* tr, ArenaKind k, int64_t n, bool zero = false) {
    release();
    if (n <= 0) return;
    size_t bytes = static_cast<size_t>(n) * sizeof(T);
    size_t padded = (bytes + 63) / 64 * 64;
    p_ = static_cast<T*>(::operator new(padded, std::align_val_t(64)));
    if (zero) std::memset(p_, 0, bytes);
    n_ = n; tr_ = tr; k_ = k;
    if (tr_) tr_->add(k_, bytes_());
  }
  void release() {
    if (!p_) return;
    if (tr_) tr_->sub(k_, bytes_());
    ::operator delete(p_, std::align_val_t(64));
    p_ = nullptr; n_ = 0;
  }
  T* data() { return p_; }
  const T* data() const { return p_; }
  int64_t size() const { return n_; }
  T& operator[](int64_t i) { return p_[i]; }
  const T& operator[](int64_t i) const { return p_[i]; }

 private:
  int64_t bytes_() const { return static_cast<int64_t>(n_) * static_cast<int64_t>(sizeof(T)); }
  T* p_ = nullptr;
  int64_t n_ = 0;
  MemTracker* tr_ = nullptr;
  ArenaKind k_ = ArenaKind::scratch;
};

}  // namespace lathe::model
