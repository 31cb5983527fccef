// Persistent thread pool: workers spin briefly, then sleep on a condition variable between jobs; the caller runs
// tid 0 itself and likewise spins, then sleeps, until the workers are done.
#include "core/threadpool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define LATHE_PAUSE() _mm_pause()
#else
#define LATHE_PAUSE() std::this_thread::yield()
#endif

namespace lathe {

namespace {
// A waiting thread polls for ~10 us (pause) before it blocks: enough to catch the next job of a layer's back-to-back
// GEMMs on an idle machine (a hand-off then costs ~1 us instead of a futex wake-up), and short enough that an
// oversubscribed or busy machine (more runnable threads than cores) loses little to the polling.
constexpr auto kSpin = std::chrono::microseconds(10);

template <class Pred>
bool spin_until(Pred&& done) {
  auto until = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (done()) return true;
    LATHE_PAUSE();
    if ((i & 15) == 15 && std::chrono::steady_clock::now() >= until) return done();
  }
}
}  // namespace

ThreadPool::ThreadPool(int n_threads) { start(n_threads); }
ThreadPool::~ThreadPool() { stop(); }

int ThreadPool::hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void ThreadPool::set_threads(int n_threads) {
  stop();
  start(n_threads);
}

void ThreadPool::start(int n_threads) {
  if (n_threads <= 0) n_threads = hardware_threads();
  n_threads_ = std::min(n_threads, 256);
  quit_.store(false);
  workers_.reserve(n_threads_ - 1);
  // The generation is read here, not in the new thread: a run() right after start() must not be missed.
  const uint64_t gen = generation_.load(std::memory_order_acquire);
  for (int t = 1; t < n_threads_; ++t) workers_.emplace_back([this, t, gen] { worker_loop(t, gen); });
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    quit_.store(true);
  }
  cv_work_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
  n_threads_ = 1;
}

void ThreadPool::worker_loop(int tid, uint64_t seen) {
  for (;;) {
    auto has_job = [&] { return quit_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen; };
    if (!spin_until(has_job)) {
      std::unique_lock<std::mutex> lk(mu_);
      cv_work_.wait(lk, has_job);
    }
    if (quit_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    const std::function<void(int, int)>* job = job_;  // published before the generation bump (release/acquire)
    (*job)(tid, n_threads_);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lk(mu_);  // pairs with the caller's predicate check under the same mutex
      cv_done_.notify_one();
    }
  }
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
  if (n_threads_ <= 1) {
    fn(0, 1);
    return;
  }
  job_ = &fn;
  pending_.store(n_threads_ - 1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lk(mu_);  // a worker between its predicate check and its wait cannot miss this
    generation_.fetch_add(1, std::memory_order_release);
  }
  cv_work_.notify_all();
  fn(0, n_threads_);
  auto done = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (!spin_until(done)) {
    std::unique_lock<std::mutex> lk(mu_);
    cv_done_.wait(lk, done);
  }
  job_ = nullptr;
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn, int64_t grain) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t max_chunks = (n + grain - 1) / grain;
  int nth = static_cast<int>(std::min<int64_t>(n_threads_, max_chunks));
  if (nth <= 1) {
    fn(0, n, 0);
    return;
  }
  run([&](int tid, int) {
    if (tid >= nth) return;
    int64_t b = n * tid / nth, e = n * (tid + 1) / nth;
    if (b < e) fn(b, e, tid);
  });
}

}  // namespace lathe
