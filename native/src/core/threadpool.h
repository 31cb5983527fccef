// A small persistent thread pool: the calling thread plus (n-1) workers run parallel_for chunks; no allocation per call.
// Workers spin briefly (~10 us) on an atomic job counter before sleeping, so the back-to-back small jobs of a model
// forward (a GEMM per projection, per token in generation) do not each pay a futex wake-up.
// One caller at a time, and not reentrant: a job must not call run/parallel_for on the same pool (it would deadlock).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lathe {

class ThreadPool {
 public:
  // n_threads counts the caller: 1 means everything runs inline on the calling thread. 0 = hardware concurrency.
  explicit ThreadPool(int n_threads = 1);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }
  // Stops and restarts the workers; must not be called while a parallel call is running.
  void set_threads(int n_threads);

  // Calls fn(tid, n) once on each of the n = size() threads (tid 0 is the caller) and waits for all.
  // The workhorse for kernels that split work themselves (static partition => deterministic results).
  void run(const std::function<void(int tid, int nth)>& fn);

  // Splits [0, n) into contiguous chunks of at least `grain` items, one per thread (static, deterministic),
  // and calls fn(begin, end, tid). Runs inline when n is small or the pool has one thread.
  void parallel_for(int64_t n, const std::function<void(int64_t begin, int64_t end, int tid)>& fn, int64_t grain = 1);

  static int hardware_threads();

 private:
  void start(int n_threads);
  void stop();
  void worker_loop(int tid, uint64_t seen);

  int n_threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_work_, cv_done_;
  const std::function<void(int, int)>* job_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> quit_{false};
};

// Helper for callers that may pass no pool: runs fn(0, 1) inline in that case.
inline void pool_run(ThreadPool* pool, const std::function<void(int, int)>& fn) {
  if (pool && pool->size() > 1) pool->run(fn);
  else fn(0, 1);
}

}  // namespace lathe
