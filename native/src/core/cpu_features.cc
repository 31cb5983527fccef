// CPUID + XGETBV probing (x86-64); other architectures report no x86 features.
#include "core/cpu_features.h"

#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#define LATHE_X86 1
#ifdef _MSC_VER
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

namespace lathe {

#ifdef LATHE_X86
static void cpuid(unsigned leaf, unsigned sub, unsigned r[4]) {
#ifdef _MSC_VER
  int regs[4];
  __cpuidex(regs, static_cast<int>(leaf), static_cast<int>(sub));
  for (int i = 0; i < 4; ++i) r[i] = static_cast<unsigned>(regs[i]);
#else
  __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
#endif
}

static unsigned long long xgetbv0() {
#ifdef _MSC_VER
  return _xgetbv(0);
#else
  unsigned eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
#endif
}
#endif

static CpuFeatures detect() {
  CpuFeatures f;
#ifdef LATHE_X86
  unsigned r[4];
  cpuid(0, 0, r);
  const unsigned max_leaf = r[0];
  cpuid(1, 0, r);
  const bool osxsave = (r[2] >> 27) & 1;
  f.fma = (r[2] >> 12) & 1;
  f.f16c = (r[2] >> 29) & 1;
  const unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
  const bool ymm_os = (xcr0 & 0x6) == 0x6;          // SSE + AVX state
  const bool zmm_os = (xcr0 & 0xE6) == 0xE6;        // + opmask, ZMM_Hi256, Hi16_ZMM
  const bool amx_os = (xcr0 & 0x60000) == 0x60000;  // XTILECFG + XTILEDATA
  if (max_leaf >= 7) {
    cpuid(7, 0, r);
    f.avx2 = ymm_os && ((r[1] >> 5) & 1);
    f.avx512f = zmm_os && ((r[1] >> 16) & 1);
    f.avx512bw = zmm_os && ((r[1] >> 30) & 1);
    f.avx512vl = zmm_os && ((r[1] >> 31) & 1);
    f.amx_bf16 = amx_os && ((r[3] >> 22) & 1);
    f.amx_tile = amx_os && ((r[3] >> 24) & 1);
    unsigned r1[4];
    cpuid(7, 1, r1);
    f.avx512bf16 = zmm_os && ((r1[0] >> 5) & 1);
  }
  f.fma = f.fma && ymm_os;
  f.f16c = f.f16c && ymm_os;
  cpuid(0x80000000u, 0, r);
  if (r[0] >= 0x80000004u) {
    char brand[49] = {0};
    for (unsigned i = 0; i < 3; ++i) {
      cpuid(0x80000002u + i, 0, r);
      std::memcpy(brand + 16 * i, r, 16);
    }
    f.brand = brand;
    while (!f.brand.empty() && f.brand.back() == ' ') f.brand.pop_back();
    while (!f.brand.empty() && f.brand.front() == ' ') f.brand.erase(f.brand.begin());
  }
#endif
  return f;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace lathe
