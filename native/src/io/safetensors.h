// Validated, memory-mapped safetensors reader (formats.md §1): every rule of the reference reader, overflow-safe, typed errors.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/platform.h"
#include "core/status.h"

namespace lathe::io {

enum class StDType { BOOL, U8, I8, I16, U16, I32, U32, I64, U64, F16, BF16, F32, F64, C64,
                     F8_E4M3, F8_E5M2, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, F6_E2M3, F6_E3M2, F4 };

const char* st_dtype_name(StDType t);
int st_dtype_bits(StDType t);

struct StTensor {
  std::string name;
  StDType dtype = StDType::F32;
  std::vector<uint64_t> shape;
  uint64_t begin = 0, end = 0;   // relative to the byte buffer
  const uint8_t* data = nullptr; // into the mapping
  uint64_t numel() const;        // validated not to overflow at open
};

class SafetensorsFile {
 public:
  // Opens and validates. On failure returns nullptr and fills err (code names the rule, message names the file).
  static std::unique_ptr<SafetensorsFile> open(const std::string& path, Status& err);

  const std::string& path() const { return path_; }
  const std::vector<StTensor>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const StTensor* find(const std::string& name) const;

 private:
  std::string path_;
  std::unique_ptr<MappedFile> map_;
  std::vector<StTensor> tensors_;               // in offset order
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// Refuses pickle-based checkpoints by extension before any byte is read (never unpickled). Empty error = allowed.
Status refuse_pickle_extension(const std::string& path);

// Validates bytes already in memory (used by open() and by the fuzz-style tests through the addon).
Status validate_safetensors(const std::string& path, const uint8_t* data, uint64_t size, std::vector<StTensor>& out,
                           std::map<std::string, std::string>& metadata);

// Converts an F32/F16/BF16 tensor to f32 (n = numel). Other dtypes → error.
Status st_to_f32(const StTensor& t, float* out);

}  // namespace lathe::io
