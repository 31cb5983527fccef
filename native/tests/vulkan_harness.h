// Shared setup of the Vulkan op tests: one context for the whole binary, helpers to move vectors to and from the
// device, and a registry so each test_vulkan_*.cc adds its suite without editing the main file.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "harness.h"
#include "vulkan/runtime.h"

namespace lathe::test {

struct VkEnv {
  vk::Context* ctx = nullptr;
  // A device buffer holding `v` (nullptr-free: a 4-byte buffer for an empty vector).
  template <class T>
  vk::Buffer upload(const std::vector<T>& v) {
    vk::Buffer b;
    Status st = ctx->alloc(&b, v.empty() ? 4 : v.size() * sizeof(T));
    if (st.ok() && !v.empty()) st = b.upload(v.data(), v.size() * sizeof(T));
    if (!st.ok()) std::printf("vulkan test: upload failed: %s\n", st.message.c_str());
    return b;
  }
  template <class T>
  std::vector<T> download(const vk::Buffer& b, size_t n) {
    std::vector<T> v(n);
    Status st = b.download(v.data(), n * sizeof(T));
    if (!st.ok()) std::printf("vulkan test: download failed: %s\n", st.message.c_str());
    return v;
  }
};

using VkSuite = void (*)(Harness&, VkEnv&);
struct VkSuiteReg {
  const char* name;
  VkSuite fn;
};
std::vector<VkSuiteReg>& vk_suites();
struct VkSuiteAdder {
  VkSuiteAdder(const char* name, VkSuite fn) { vk_suites().push_back({name, fn}); }
};
// In a test file: LATHE_VK_SUITE(norm) { h.check(...); }  -> runs with Harness& h, VkEnv& env.
#define LATHE_VK_SUITE(id)                                         \
  static void vk_suite_##id(::lathe::test::Harness& h, ::lathe::test::VkEnv& env); \
  static ::lathe::test::VkSuiteAdder vk_suite_adder_##id(#id, vk_suite_##id);    \
  static void vk_suite_##id(::lathe::test::Harness& h, ::lathe::test::VkEnv& env)

}  // namespace lathe::test
