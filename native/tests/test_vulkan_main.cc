// Entry point of the Vulkan op tests (built by `node native/tests/build.mjs --vulkan`, run by
// test/addon/vulkan-ops.test.ts). Prints "SKIP vulkan: <reason>" and exits 0 when no usable device exists, unless
// LATHE_REQUIRE_VULKAN=1 (then exit 2). Optional argv[1]: run only suites whose name contains it.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "vulkan_harness.h"

namespace lathe::test {
std::vector<VkSuiteReg>& vk_suites() {
  static std::vector<VkSuiteReg> s;
  return s;
}
}  // namespace lathe::test

int main(int argc, char** argv) {
  using namespace lathe;
  const char* req = std::getenv("LATHE_REQUIRE_VULKAN");
  const bool require = req && std::strcmp(req, "1") == 0;
  vk::Context ctx;
  Status st = ctx.init({});  // CPU devices only when LATHE_VULKAN_ALLOW_CPU=1
  if (!st.ok()) {
    std::printf("SKIP vulkan: %s%s%s\n", st.message.c_str(), st.hint.empty() ? "" : " (", st.hint.empty() ? "" : (st.hint + ")").c_str());
    return require ? 2 : 0;
  }
  const auto& d = ctx.device();
  std::printf("device: %s (%s, %s %s), subgroup %u\n", d.name.c_str(), vk::device_type_name(d.type),
              d.driver_name.c_str(), d.driver_info.c_str(), ctx.caps().subgroup_size);
  test::Harness h;
  test::VkEnv env{&ctx};
  for (const auto& s : test::vk_suites()) {
    if (argc > 1 && !std::strstr(s.name, argv[1])) continue;
    s.fn(h, env);
  }
  std::printf("vulkan ops: %d passed, %d failed\n", h.passed, h.failed);
  return h.failed == 0 ? 0 : 1;
}
