// Minimal strict JSON reader for hostile input (safetensors headers, config.json, adapter_config.json): depth-capped, exact errors.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lathe::io {

// A parsed JSON value. Objects keep insertion order in `keys` and detect duplicate keys at parse time.
struct JsonValue {
  enum class Kind { null_v, boolean, number, string, array, object };
  Kind kind = Kind::null_v;
  bool b = false;
  double num = 0.0;
  bool num_is_integer = false;  // the literal had no fraction or exponent
  uint64_t num_u64 = 0;         // exact value for non-negative integer literals that fit in u64
  bool num_u64_ok = false;
  std::string str;
  std::vector<JsonValue> items;
  std::vector<std::string> keys;
  std::vector<JsonValue> values;  // parallel to keys

  bool is_null() const { return kind == Kind::null_v; }
  bool is_object() const { return kind == Kind::object; }
  bool is_array() const { return kind == Kind::array; }
  bool is_string() const { return kind == Kind::string; }
  bool is_number() const { return kind == Kind::number; }
  bool is_bool() const { return kind == Kind::boolean; }
  // Object lookup; nullptr when absent or not an object.
  const JsonValue* get(const std::string& key) const;
};

struct JsonParseResult {
  bool ok = false;
  JsonValue value;
  std::string error;       // what went wrong, with the byte offset
  bool duplicate_key = false;
  std::string duplicate;   // the duplicated key when duplicate_key
};

// Parses exactly one JSON value surrounded by optional whitespace; anything else is an error.
JsonParseResult parse_json(const char* data, size_t size, int max_depth = 64);

// True when the bytes are valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool valid_utf8(const char* data, size_t size);

// Serialises a string as a JSON string literal (quotes included).
std::string json_quote(const std::string& s);

}  // namespace lathe::io
