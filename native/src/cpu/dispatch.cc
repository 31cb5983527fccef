// SIMD level detection (best_isa, with the LATHE_CPU_ISA cap) and the per-level kernel tables (see dispatch.h).
#include "cpu/dispatch.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "core/cpu_features.h"
#include "cpu/vmath.h"

namespace lathe::cpu {

namespace {

Isa detect_isa() {
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.avx512bw && f.avx512vl && f.fma && f.f16c) return Isa::avx512;
  if (f.avx2 && f.fma && f.f16c) return Isa::avx2;
  return Isa::scalar;
}

Kernels make_table(Isa isa) {
  Kernels k;
  k.isa = isa;
  switch (isa) {
    case Isa::avx512:
      k.gemm_nt = detail::gemm_nt_avx512, k.gemm_nn = detail::gemm_nn_avx512, k.gemm_tn = detail::gemm_tn_avx512;
      k.flash_fwd = detail::flash_fwd_unit_avx512, k.flash_bwd = detail::flash_bwd_unit_avx512;
      k.vexp = detail::vexp_avx512, k.row_logsumexp = detail::row_logsumexp_avx512;
      k.row_scaled_exp = detail::row_scaled_exp_avx512;
      k.swiglu_fwd = detail::swiglu_fwd_avx512, k.swiglu_bwd = detail::swiglu_bwd_avx512;
      break;
    case Isa::avx2:
      k.gemm_nt = detail::gemm_nt_avx2, k.gemm_nn = detail::gemm_nn_avx2, k.gemm_tn = detail::gemm_tn_avx2;
      k.flash_fwd = detail::flash_fwd_unit_avx2, k.flash_bwd = detail::flash_bwd_unit_avx2;
      k.vexp = detail::vexp_avx2, k.row_logsumexp = detail::row_logsumexp_avx2;
      k.row_scaled_exp = detail::row_scaled_exp_avx2;
      k.swiglu_fwd = detail::swiglu_fwd_avx2, k.swiglu_bwd = detail::swiglu_bwd_avx2;
      break;
    default:
      k.gemm_nt = detail::gemm_nt_scalar, k.gemm_nn = detail::gemm_nn_scalar, k.gemm_tn = detail::gemm_tn_scalar;
      k.vexp = detail::vexp_scalar, k.row_logsumexp = detail::row_logsumexp_scalar;
      k.row_scaled_exp = detail::row_scaled_exp_scalar;
      k.swiglu_fwd = detail::swiglu_fwd_scalar, k.swiglu_bwd = detail::swiglu_bwd_scalar;
      break;
  }
  return k;
}

}  // namespace

// LATHE_CPU_ISA=scalar|avx2 caps the level (read once), so tests and fixtures can pin the numerics of a lower path
// on a machine that has a higher one; it never raises the level above what the CPU supports.
Isa best_isa() {
  static const Isa best = [] {
    Isa isa = detect_isa();
    const char* cap = std::getenv("LATHE_CPU_ISA");
    if (!cap) return isa;
    const std::string c = cap;
    const Isa want = c == "scalar" ? Isa::scalar : c == "avx2" ? Isa::avx2 : Isa::avx512;
    return static_cast<int>(want) < static_cast<int>(isa) ? want : isa;
  }();
  return best;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "scalar";
  }
}

const Kernels& kernels(Isa want) {
  static const Isa best = best_isa();
  // Filling a table only takes function addresses: no AVX-512 instruction runs on a CPU without it.
  static const Kernels tables[3] = {make_table(Isa::scalar), make_table(Isa::avx2), make_table(Isa::avx512)};
  return tables[std::min(static_cast<int>(want), static_cast<int>(best))];
}

}  // namespace lathe::cpu
