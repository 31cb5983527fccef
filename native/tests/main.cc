// Entry point of the standalone op tests (built by native/tests/build.mjs, run by test/addon/ops.test.ts).
#include <cstdio>

#include "cpu/ops.h"
#include "harness.h"

int main() {
  lathe::test::Harness h;
  std::printf("isa: %s\n", lathe::cpu::isa_name(lathe::cpu::best_isa()));
  lathe::test::run_quant_tests(h);
  lathe::test::run_gemm_tests(h);
  lathe::test::run_op_tests(h);
  lathe::test::run_grad_tests(h);
  lathe::test::run_fast_tests(h);
  std::printf("ops: %d passed, %d failed\n", h.passed, h.failed);
  return h.failed == 0 ? 0 : 1;
}
