// Persistent thread pool: workers sleep on a condition variable between jobs; the caller runs tid 0 itself.
#include "core/threadpool.h"

#include <algorithm>

namespace lathe {

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
  quit_ = false;
  workers_.reserve(n_threads_ - 1);
  for (int t = 1; t < n_threads_; ++t) workers_.emplace_back([this, t] { worker_loop(t); });
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    quit_ = true;
  }
  cv_work_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
  n_threads_ = 1;
}

void ThreadPool::worker_loop(int tid) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(int, int)>* job;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_work_.wait(lk, [&] { return quit_ || generation_ != seen; });
      if (quit_) return;
      seen = generation_;
      job = job_;
    }
    (*job)(tid, n_threads_);
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (--pending_ == 0) cv_done_.notify_one();
    }
  }
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
  if (n_threads_ <= 1) {
    fn(0, 1);
    return;
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    job_ = &fn;
    pending_ = n_threads_ - 1;
    ++generation_;
  }
  cv_work_.notify_all();
  fn(0, n_threads_);
  std::unique_lock<std::mutex> lk(mu_);
  cv_done_.wait(lk, [&] { return pending_ == 0; });
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
