// safetensors validation follows the reference reader's order and error kinds (safetensors/src/tensor.rs), with codes per rule.
#include "io/safetensors.h"

#include <algorithm>
#include <cstring>

#include "io/json.h"

namespace lathe::io {

namespace {

struct DTypeInfo { const char* name; StDType t; int bits; };
constexpr DTypeInfo kDTypes[] = {
    {"BOOL", StDType::BOOL, 8}, {"U8", StDType::U8, 8}, {"I8", StDType::I8, 8}, {"I16", StDType::I16, 16},
    {"U16", StDType::U16, 16}, {"I32", StDType::I32, 32}, {"U32", StDType::U32, 32}, {"I64", StDType::I64, 64},
    {"U64", StDType::U64, 64}, {"F16", StDType::F16, 16}, {"BF16", StDType::BF16, 16}, {"F32", StDType::F32, 32},
    {"F64", StDType::F64, 64}, {"C64", StDType::C64, 64}, {"F8_E4M3", StDType::F8_E4M3, 8},
    {"F8_E5M2", StDType::F8_E5M2, 8}, {"F8_E8M0", StDType::F8_E8M0, 8}, {"F8_E4M3FNUZ", StDType::F8_E4M3FNUZ, 8},
    {"F8_E5M2FNUZ", StDType::F8_E5M2FNUZ, 8}, {"F6_E2M3", StDType::F6_E2M3, 6}, {"F6_E3M2", StDType::F6_E3M2, 6},
    {"F4", StDType::F4, 4},
};

constexpr uint64_t kMaxHeader = 100'000'000ull;

Status st_err(const std::string& path, const char* code, const std::string& rule, const std::string& what) {
  return Status::error(code, path + ": invalid safetensors file (" + rule + "): " + what,
                     "The file is damaged or not a safetensors file. Re-download or re-export it; Lathe only reads "
                     "files that pass every check of the reference safetensors reader.");
}

bool is_ws(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

float f16_to_f32(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
  if (exp == 0) {
    if (mant == 0) bits = sign;
    else {  // subnormal: normalise
      int e = -1;
      do { ++e; mant <<= 1; } while ((mant & 0x400) == 0);
      bits = sign | ((127 - 15 - e) << 23) | ((mant & 0x3FF) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Every header-content refusal shares the reference reader's InvalidHeaderDeserialization kind.
Status bad_header(const std::string& path, const std::string& what) {
  return st_err(path, "safetensors_invalid_header_deserialization", "InvalidHeaderDeserialization", what);
}

// A pickle (protocol >= 2) or a zip (torch.save) renamed .safetensors: name it as such, never parse it, unless the
// bytes also read as a plausible safetensors start (length inside the file, header opening like JSON). Needs size >= 8.
Status refuse_pickle_bytes(const std::string& path, const uint8_t* data, uint64_t size, uint64_t n) {
  bool pickle = data[0] == 0x80 && data[1] >= 2 && data[1] <= 5;
  bool zip = data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4;
  if ((pickle || zip) && (n > size - 8 || size < 9 || (data[8] != '{' && !is_ws(data[8]))))
    return Status::error("pickle_refused", path + ": this is a PyTorch " + std::string(pickle ? "pickle" : "zip/pickle") + " file, not safetensors; it is never loaded (unpickling can run arbitrary code)",
                       "Convert the model to safetensors (transformers: save_pretrained(dir, safe_serialization=True)) or download the safetensors version.");
  return {};
}

// The little-endian u64 header length: present, not a pickle in disguise, under the cap, inside the file.
Status read_header_length(const std::string& path, const uint8_t* data, uint64_t size, uint64_t& n) {
  if (size < 8) return st_err(path, "safetensors_header_too_small", "HeaderTooSmall", "the file has " + std::to_string(size) + " bytes, fewer than the 8-byte header length");
  n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | data[i];
  Status pickled = refuse_pickle_bytes(path, data, size, n);
  if (!pickled.ok()) return pickled;
  if (n > kMaxHeader) return st_err(path, "safetensors_header_too_large", "HeaderTooLarge", "header length " + std::to_string(n) + " exceeds the 100,000,000-byte cap");
  if (n > size - 8) return st_err(path, "safetensors_invalid_header_length", "InvalidHeaderLength", "header length " + std::to_string(n) + " runs past the end of the " + std::to_string(size) + "-byte file");
  return {};
}

// The header must be UTF-8 JSON without duplicate keys, and a JSON object at the top.
Status parse_header_json(const std::string& path, const char* hdr, uint64_t n, JsonParseResult& pr) {
  if (!valid_utf8(hdr, n)) return st_err(path, "safetensors_invalid_header", "InvalidHeader", "the header is not valid UTF-8");
  pr = parse_json(hdr, n);
  if (!pr.ok) {
    if (pr.duplicate_key) return st_err(path, "safetensors_duplicate_tensor", "InvalidHeaderDeserialization", "duplicate tensor name \"" + pr.duplicate + "\"");
    return bad_header(path, "the header is not valid JSON: " + pr.error);
  }
  if (!pr.value.is_object()) return bad_header(path, "the header is not a JSON object");
  return {};
}

// __metadata__ is a flat map of strings to strings; anything else is refused.
Status read_metadata(const std::string& path, const JsonValue& v, std::map<std::string, std::string>& metadata) {
  if (!v.is_object()) return bad_header(path, "__metadata__ must be a map of strings to strings");
  for (size_t k = 0; k < v.keys.size(); ++k) {
    if (!v.values[k].is_string()) return bad_header(path, "__metadata__ value for \"" + v.keys[k] + "\" is not a string");
    metadata[v.keys[k]] = v.values[k].str;
  }
  return {};
}

// A tensor entry has exactly dtype (string), shape (array) and data_offsets ([begin, end]), checked in that order.
Status check_tensor_fields(const std::string& path, const std::string& name, const JsonValue& v) {
  if (!v.is_object()) return bad_header(path, "tensor \"" + name + "\" is not an object");
  const JsonValue* dt = v.get("dtype");
  const JsonValue* sh = v.get("shape");
  const JsonValue* off = v.get("data_offsets");
  if (!dt || !dt->is_string()) return bad_header(path, "tensor \"" + name + "\": missing or non-string dtype");
  if (!sh || !sh->is_array()) return bad_header(path, "tensor \"" + name + "\": missing or non-array shape");
  if (!off || !off->is_array() || off->items.size() != 2) return bad_header(path, "tensor \"" + name + "\": data_offsets must be [begin, end]");
  for (const auto& k : v.keys)
    if (k != "dtype" && k != "shape" && k != "data_offsets") return bad_header(path, "tensor \"" + name + "\": unknown field \"" + k + "\"");
  return {};
}

// One tensor entry (fields already checked): a known dtype name, u64 shape entries, u64 data offsets.
Status read_tensor_entry(const std::string& path, const std::string& name, const JsonValue& v, StTensor& t) {
  LATHE_RETURN_IF_ERROR(check_tensor_fields(path, name, v));
  const JsonValue* dt = v.get("dtype");
  const JsonValue* sh = v.get("shape");
  const JsonValue* off = v.get("data_offsets");
  t.name = name;
  bool found = false;
  for (const auto& d : kDTypes)
    if (dt->str == d.name) { t.dtype = d.t; found = true; }
  if (!found) return bad_header(path, "tensor \"" + name + "\": unknown dtype \"" + dt->str + "\"");
  for (const auto& d : sh->items) {
    if (!d.is_number() || !d.num_is_integer || !d.num_u64_ok) return bad_header(path, "tensor \"" + name + "\": shape entries must be non-negative integers");
    t.shape.push_back(d.num_u64);
  }
  for (int k = 0; k < 2; ++k) {
    const JsonValue& o = off->items[k];
    if (!o.is_number() || !o.num_is_integer || !o.num_u64_ok) return bad_header(path, "tensor \"" + name + "\": data_offsets must be non-negative integers");
  }
  t.begin = off->items[0].num_u64;
  t.end = off->items[1].num_u64;
  return {};
}

// Walks the header object in file order: __metadata__ into `metadata`, every other key into `out` as a tensor.
Status read_header_entries(const std::string& path, const JsonValue& root, std::vector<StTensor>& out,
                           std::map<std::string, std::string>& metadata) {
  for (size_t i = 0; i < root.keys.size(); ++i) {
    const std::string& name = root.keys[i];
    const JsonValue& v = root.values[i];
    if (name == "__metadata__") {
      LATHE_RETURN_IF_ERROR(read_metadata(path, v, metadata));
      continue;
    }
    StTensor t;
    LATHE_RETURN_IF_ERROR(read_tensor_entry(path, name, v, t));
    out.push_back(std::move(t));
  }
  return {};
}

// Bytes a tensor's shape and dtype need, refusing u64 overflow and sizes that are not whole bytes (sub-byte dtypes).
Status tensor_byte_size(const std::string& path, const StTensor& t, uint64_t& bytes) {
  uint64_t elems = 1;
  for (uint64_t d : t.shape) {
    if (d != 0 && elems > UINT64_MAX / d)
      return st_err(path, "safetensors_validation_overflow", "ValidationOverflow", "tensor \"" + t.name + "\": the element count of its shape overflows");
    elems *= d;
  }
  uint64_t bits = static_cast<uint64_t>(st_dtype_bits(t.dtype));
  if (elems != 0 && elems > UINT64_MAX / bits)
    return st_err(path, "safetensors_validation_overflow", "ValidationOverflow", "tensor \"" + t.name + "\": shape x dtype bits overflows");
  uint64_t total_bits = elems * bits;
  if (total_bits % 8 != 0)
    return st_err(path, "safetensors_misaligned_slice", "MisalignedSlice", "tensor \"" + t.name + "\": " + std::to_string(total_bits) + " bits is not a whole number of bytes");
  bytes = total_bits / 8;
  return {};
}

// One tensor in offset order: it starts where the previous one ended, and its offsets span exactly its byte size.
Status check_tensor_slice(const std::string& path, const StTensor& t, uint64_t prev_end) {
  if (t.begin != prev_end || t.end < t.begin)
    return st_err(path, "safetensors_invalid_offset", "InvalidOffset",
                  "tensor \"" + t.name + "\" has data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                      "] but must start at " + std::to_string(prev_end) + " (offsets must be contiguous from 0, no gaps or overlaps)");
  uint64_t bytes = 0;
  LATHE_RETURN_IF_ERROR(tensor_byte_size(path, t, bytes));
  if (bytes != t.end - t.begin)
    return st_err(path, "safetensors_tensor_invalid_info", "TensorInvalidInfo",
                  "tensor \"" + t.name + "\": shape and dtype " + st_dtype_name(t.dtype) + " need " + std::to_string(bytes) +
                      " bytes but data_offsets span " + std::to_string(t.end - t.begin));
  return {};
}

// Sorts the tensors by offset and checks they tile the data buffer exactly: no gap, no overlap, no trailing bytes.
Status check_data_coverage(const std::string& path, std::vector<StTensor>& out, uint64_t buffer_bytes) {
  std::stable_sort(out.begin(), out.end(), [](const StTensor& a, const StTensor& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t prev_end = 0;
  for (const auto& t : out) {
    LATHE_RETURN_IF_ERROR(check_tensor_slice(path, t, prev_end));
    prev_end = t.end;
  }
  if (prev_end != buffer_bytes)
    return st_err(path, "safetensors_metadata_incomplete_buffer", "MetadataIncompleteBuffer",
                  "the tensors cover " + std::to_string(prev_end) + " bytes but the data buffer has " + std::to_string(buffer_bytes) +
                      " (truncated file or trailing bytes)");
  return {};
}

}  // namespace

const char* st_dtype_name(StDType t) {
  for (const auto& d : kDTypes) if (d.t == t) return d.name;
  return "?";
}
int st_dtype_bits(StDType t) {
  for (const auto& d : kDTypes) if (d.t == t) return d.bits;
  return 0;
}

uint64_t StTensor::numel() const {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  return n;
}

Status refuse_pickle_extension(const std::string& path) {
  static const char* kPickle[] = {".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle"};
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* ext : kPickle) {
    size_t n = std::strlen(ext);
    if (lower.size() >= n && lower.compare(lower.size() - n, n, ext) == 0)
      return Status::error("pickle_refused", path + ": PyTorch pickle checkpoints (" + ext + ") are never loaded: unpickling can run arbitrary code",
                         "Convert the model to safetensors first (e.g. with transformers: model.save_pretrained(dir, safe_serialization=True)) "
                         "or download the safetensors version of the model.");
  }
  return {};
}

// The checks run in the reference reader's order, so the first error reported is the one it would report.
Status validate_safetensors(const std::string& path, const uint8_t* data, uint64_t size, std::vector<StTensor>& out,
                           std::map<std::string, std::string>& metadata) {
  out.clear();
  metadata.clear();
  uint64_t n = 0;
  LATHE_RETURN_IF_ERROR(read_header_length(path, data, size, n));
  JsonParseResult pr;
  LATHE_RETURN_IF_ERROR(parse_header_json(path, reinterpret_cast<const char*>(data + 8), n, pr));
  LATHE_RETURN_IF_ERROR(read_header_entries(path, pr.value, out, metadata));
  // size >= 8 + n here, so the subtraction cannot wrap.
  LATHE_RETURN_IF_ERROR(check_data_coverage(path, out, size - 8 - n));
  const uint8_t* buf = data + 8 + n;
  for (auto& t : out) t.data = buf + t.begin;
  return {};
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path, Status& err) {
  err = refuse_pickle_extension(path);
  if (!err.ok()) return nullptr;
  auto map = std::make_unique<MappedFile>(path);
  if (!map->ok()) {
    err = Status::error("file_unreadable", map->error(), "Check that the file exists and is readable.");
    return nullptr;
  }
  auto f = std::unique_ptr<SafetensorsFile>(new SafetensorsFile());
  f->path_ = path;
  err = validate_safetensors(path, map->data(), map->size(), f->tensors_, f->metadata_);
  if (!err.ok()) return nullptr;
  f->map_ = std::move(map);
  for (size_t i = 0; i < f->tensors_.size(); ++i) f->index_[f->tensors_[i].name] = i;
  return f;
}

const StTensor* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

Status st_to_f32(const StTensor& t, float* out) {
  uint64_t n = t.numel();
  switch (t.dtype) {
    case StDType::F32: std::memcpy(out, t.data, n * 4); return {};
    case StDType::F16:
      for (uint64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t.data + 2 * i, 2);
        out[i] = f16_to_f32(h);
      }
      return {};
    case StDType::BF16:
      for (uint64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t.data + 2 * i, 2);
        uint32_t bits = static_cast<uint32_t>(h) << 16;
        std::memcpy(out + i, &bits, 4);
      }
      return {};
    default:
      return Status::error("unsupported_dtype", "tensor \"" + t.name + "\" has dtype " + st_dtype_name(t.dtype) + "; Lathe loads F32, F16 and BF16 weights",
                         "Re-export the checkpoint in bf16, f16 or f32.");
  }
}

}  // namespace lathe::io
