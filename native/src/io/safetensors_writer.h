// Writes F32 safetensors files the way the reference writer does: header padded with spaces to a multiple of 8,
// tensors sorted by name and packed back to back, {"format":"pt"} metadata, written atomically.
#pragma once
#include <string>
#include <vector>

#include "core/status.h"

namespace lathe::io {

struct F32TensorOut {
  std::string name;
  std::vector<uint64_t> shape;
  const float* data = nullptr;  // prod(shape) floats
};

Status write_safetensors_f32(const std::string& path, std::vector<F32TensorOut> tensors);

}  // namespace lathe::io
