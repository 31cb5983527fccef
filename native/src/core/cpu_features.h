// Runtime CPU feature detection: kernels pick their SIMD path from this, never from compile-time flags alone.
#pragma once
#include <string>

namespace lathe {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512bf16 = false;
  bool amx_tile = false;
  bool amx_bf16 = false;
  std::string brand;
};

// Detected once, thread-safe; OS support for the wide registers (XSAVE state) is checked, not only CPUID bits.
const CpuFeatures& cpu_features();

}  // namespace lathe
