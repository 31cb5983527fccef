// F32 safetensors writer (see safetensors_writer.h).
#include "io/safetensors_writer.h"

#include <algorithm>
#include <cstring>

#include "core/platform.h"
#include "io/json.h"

namespace lathe::io {

Status write_safetensors_f32(const std::string& path, std::vector<F32TensorOut> tensors) {
  std::sort(tensors.begin(), tensors.end(), [](const F32TensorOut& a, const F32TensorOut& b) { return a.name < b.name; });
  std::string header = "{\"__metadata__\":{\"format\":\"pt\"}";
  uint64_t off = 0;
  for (const auto& t : tensors) {
    uint64_t n = 1;
    for (auto d : t.shape) n *= d;
    header += "," + json_quote(t.name) + ":{\"dtype\":\"F32\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) header += (i ? "," : "") + std::to_string(t.shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(off) + "," + std::to_string(off + 4 * n) + "]}";
    off += 4 * n;
  }
  header += "}";
  while (header.size() % 8 != 0) header += ' ';
  std::vector<uint8_t> bytes(8 + header.size() + off);
  uint64_t hn = header.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(hn >> (8 * i));
  std::memcpy(bytes.data() + 8, header.data(), header.size());
  uint8_t* p = bytes.data() + 8 + header.size();
  for (const auto& t : tensors) {
    uint64_t n = 1;
    for (auto d : t.shape) n *= d;
    std::memcpy(p, t.data, 4 * n);
    p += 4 * n;
  }
  std::string err = write_file_atomic(path, bytes.data(), bytes.size());
  if (!err.empty()) return Status::error(status_code::io_error, err, "Check that the folder exists, is writable and the disk is not full.");
  return Status::Ok();
}

}  // namespace lathe::io
