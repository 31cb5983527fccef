// Memory accounting (see memory.h).
#include "model/memory.h"

namespace lathe::model {

const char* arena_name(ArenaKind k) {
  switch (k) {
    case ArenaKind::weights: return "weights";
    case ArenaKind::lora: return "lora";
    case ArenaKind::kv_cache: return "kvCache";
    case ArenaKind::activations: return "activations";
    case ArenaKind::scratch: return "scratch";
    case ArenaKind::optimizer: return "optimizer";
    default: return "?";
  }
}

static void raise_max(std::atomic<int64_t>& a, int64_t v) {
  int64_t cur = a.load();
  while (v > cur && !a.compare_exchange_weak(cur, v)) {}
}

void MemTracker::add(ArenaKind k, int64_t bytes) {
  int i = static_cast<int>(k);
  raise_max(peak_[i], cur_[i] += bytes);
  raise_max(total_peak_, total_ += bytes);
}

void MemTracker::sub(ArenaKind k, int64_t bytes) {
  cur_[static_cast<int>(k)] -= bytes;
  total_ -= bytes;
}

void MemTracker::reset_peaks() {
  for (int i = 0; i < static_cast<int>(ArenaKind::count); ++i) peak_[i] = cur_[i].load();
  total_peak_ = total_.load();
}

}  // namespace lathe::model
