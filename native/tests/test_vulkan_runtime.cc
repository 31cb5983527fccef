// Tests of the Vulkan runtime itself: upload/download round trips, sub-range views, one recorder running several
// dispatches with barriers, bad bindings reported as Status, timestamps, pipeline cache round trip.
#include <cstdio>
#include <cstring>
#include <random>
#ifndef _WIN32
#include <unistd.h>
#endif

#include "vulkan_harness.h"

namespace lathe::test {

LATHE_VK_SUITE(runtime) {
  vk::Context& ctx = *env.ctx;
  std::mt19937 rng(7);
  // Odd sizes: not a multiple of the 256-wide workgroup.
  for (int64_t n : {1, 255, 257, 100003}) {
    auto a = randn(rng, n), b = randn(rng, n);
    vk::Buffer da = env.upload(a), db = env.upload(b), dy;
    ctx.alloc(&dy, n * 4);
    vk::Pipeline* add = nullptr;
    Status st = ctx.pipeline(&add, "add", 3, 4);
    h.check(st.ok(), "vk runtime pipeline add", st.message);
    if (!st.ok()) return;
    vk::Recorder rec(ctx);
    uint32_t pc = uint32_t(n);
    rec.timestamp("start");
    rec.dispatch(*add, {dy.view(), da.view(), db.view()}, &pc, 4, vk::groups(n, 256));
    rec.timestamp("add1");
    rec.dispatch(*add, {dy.view(), dy.view(), db.view()}, &pc, 4, vk::groups(n, 256));  // reads the first result
    rec.timestamp("add2");
    st = rec.submit();
    auto y = env.download<float>(dy, n);
    bool ok = st.ok();
    for (int64_t i = 0; i < n && ok; ++i) ok = y[i] == (a[i] + b[i]) + b[i];
    h.check(ok, "vk runtime add chained n=" + std::to_string(n), st.message);
    if (ctx.caps().timestamps) {
      auto t = rec.timings();
      h.check(t.size() == 2 && t[0].first == "add1" && t[0].second >= 0, "vk runtime timestamps n=" + std::to_string(n));
    }
  }
  // Sub-range views and partial upload/download at byte offsets.
  {
    const uint32_t al = ctx.storage_align();
    const int64_t n = 1000, off = (al + 3) / 4 * 4;  // a float offset that is a multiple of the alignment
    std::vector<float> a(n + off, 1.f), b(n + off, 2.f);
    vk::Buffer da = env.upload(a), db = env.upload(b), dy = env.upload(std::vector<float>(n + off, -1.f));
    vk::Pipeline* add;
    ctx.pipeline(&add, "add", 3, 4);
    vk::Recorder rec(ctx);
    uint32_t pc = uint32_t(n);
    const uint64_t bo = uint64_t(off) * 4;
    rec.dispatch(*add, {dy.view(bo), da.view(bo), db.view(bo)}, &pc, 4, vk::groups(n, 256));
    Status st = rec.submit();
    auto y = env.download<float>(dy, n + off);
    bool ok = st.ok();
    for (int64_t i = 0; i < off; ++i) ok = ok && y[i] == -1.f;
    for (int64_t i = off; i < n + off; ++i) ok = ok && y[i] == 3.f;
    h.check(ok, "vk runtime views at byte offset " + std::to_string(bo), st.message);
    float part[3];
    st = dy.download(part, 12, bo - 4);
    h.check(st.ok() && part[0] == -1.f && part[1] == 3.f && part[2] == 3.f, "vk runtime partial download");
    st = dy.download(part, 12, dy.size() - 8);
    h.check(!st.ok() && st.code == status_code::invalid_argument, "vk runtime download out of range is a Status");
  }
  // Errors are Status values, recorded and returned by submit.
  {
    vk::Buffer a = env.upload(std::vector<float>(64, 1.f));
    vk::Pipeline* add;
    ctx.pipeline(&add, "add", 3, 4);
    vk::Recorder rec(ctx);
    uint32_t pc = 64;
    rec.dispatch(*add, {a.view(), a.view()}, &pc, 4, 1);
    Status st = rec.submit();
    h.check(!st.ok() && st.message.find("2 views for 3 bindings") != std::string::npos, "vk runtime wrong binding count",
            st.message);
    if (ctx.storage_align() > 4) {
      rec.dispatch(*add, {a.view(4, 64), a.view(), a.view()}, &pc, 4, 1);
      st = rec.submit();
      h.check(!st.ok() && st.message.find("alignment") != std::string::npos, "vk runtime unaligned view", st.message);
    }
    vk::Pipeline* none;
    st = ctx.pipeline(&none, "no_such_shader", 1, 0);
    h.check(!st.ok() && none == nullptr, "vk runtime unknown shader");
    st = rec.submit();
    h.check(st.ok(), "vk runtime empty submit");
  }
  // fill and device copy inside one recorder.
  {
    vk::Buffer a, b;
    ctx.alloc(&a, 4096);
    ctx.alloc(&b, 4096);
    vk::Recorder rec(ctx);
    float one = 1.5f;
    uint32_t w;
    std::memcpy(&w, &one, 4);
    rec.fill_u32(a.view(), w);
    rec.copy(b.view(1024), a.view(0), 2048);
    rec.fill_u32(b.view(0, 1024), 0);
    Status st = rec.submit();
    auto v = env.download<float>(b, 1024);
    bool ok = st.ok();
    for (int i = 0; i < 256; ++i) ok = ok && v[i] == 0.f;
    for (int i = 256; i < 768; ++i) ok = ok && v[i] == 1.5f;
    h.check(ok, "vk runtime fill + copy", st.message);
  }
  uint64_t budget = 0, usage = 0;
  ctx.memory_budget(&budget, &usage);
  h.check(budget > 0, "vk runtime memory budget reported", std::to_string(budget));
  // A view longer than maxStorageBufferRange is an error, not a silently truncated binding (lavapipe: 128 MiB).
  if (ctx.caps().max_storage_range < (1ull << 30) && ctx.caps().max_storage_range + 256 <= ctx.caps().max_allocation) {
    vk::Buffer big;
    Status st = ctx.alloc(&big, ctx.caps().max_storage_range + 256);
    vk::Pipeline* add;
    if (st.ok()) st = ctx.pipeline(&add, "add", 3, 4);
    if (st.ok()) {
      vk::Recorder rec(ctx);
      uint32_t pc = 1;
      rec.dispatch(*add, {big.view(), big.view(0, 256), big.view(0, 256)}, &pc, 4, 1);
      st = rec.submit();
      h.check(!st.ok() && st.message.find("maxStorageBufferRange") != std::string::npos,
              "vk runtime view past maxStorageBufferRange is an error", st.message);
    }
  }
  // More than the budget (or than one allocation may be): a typed out-of-memory Status with advice, before the
  // driver is asked.
  vk::Buffer huge;
  Status st = ctx.alloc(&huge, budget + (1ull << 20));
  h.check(!st.ok() && st.code == status_code::out_of_memory && !st.hint.empty() && !huge.valid(),
          "vk runtime allocation past the budget is out_of_memory", st.message);
}

// A second context with a pipeline cache file: written (atomically), then read back by a third context.
LATHE_VK_SUITE(pipeline_cache) {
  char path[] = "/tmp/lathe-vk-cacheXXXXXX";
#ifdef _WIN32
  std::string file = "lathe-vk-cache.bin";
#else
  int fd = mkstemp(path);
  if (fd >= 0) close(fd);
  std::string file = path;
#endif
  std::remove(file.c_str());
  {
    vk::Context c;
    Status st = c.init({.pipeline_cache_path = file});
    vk::Pipeline* p;
    if (st.ok()) st = c.pipeline(&p, "add", 3, 4);
    if (st.ok()) st = c.save_pipeline_cache();
    h.check(st.ok(), "vk pipeline cache saved", st.message);
  }
  FILE* f = std::fopen(file.c_str(), "rb");
  long size = 0;
  if (f) {
    std::fseek(f, 0, SEEK_END);
    size = std::ftell(f);
    std::fclose(f);
  }
  h.check(size >= 32, "vk pipeline cache file has a header", std::to_string(size));
  {
    vk::Context c;
    Status st = c.init({.pipeline_cache_path = file});
    vk::Pipeline* p;
    if (st.ok()) st = c.pipeline(&p, "add", 3, 4);
    h.check(st.ok(), "vk pipeline cache reloaded", st.message);
  }
  std::remove(file.c_str());
}

}  // namespace lathe::test
