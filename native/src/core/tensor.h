// Tensor conventions for the engine: raw float* buffers with documented shapes (llm.c style), dtypes, and overflow-safe size math.
//
// Shape letters used in comments across the engine:
//   B batch, T tokens (rows of an activation matrix; B*T flattened), C channels (hidden size H),
//   IN / OUT matmul input/output features, R LoRA rank, V vocab, NH query heads, NKV kv heads, HD head dim,
//   S key/value positions (KV cache length), I intermediate (MLP) size.
// All matrices are row-major and contiguous; a [T, C] buffer has element (t, c) at t*C + c.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>

namespace lathe {

enum class DType : uint8_t { f32, f16, bf16, nf4, int8 };

inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
    case DType::nf4: return "nf4";
    case DType::int8: return "int8";
  }
  return "?";
}

// Overflow-safe size arithmetic: returns false on overflow (never wraps), for sizes computed from untrusted files.
inline bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) return false;
  *out = a * b;
  return true;
}
inline bool checked_add(uint64_t a, uint64_t b, uint64_t* out) {
  if (b > std::numeric_limits<uint64_t>::max() - a) return false;
  *out = a + b;
  return true;
}

inline constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// A 2-D row-major view; used where an op needs dims carried with the pointer (e.g. a list of gradient buffers).
struct MatView {
  float* data = nullptr;
  int64_t rows = 0, cols = 0;
  int64_t size() const { return rows * cols; }
};

struct BufView {
  float* data = nullptr;
  int64_t n = 0;
};

}  // namespace lathe
