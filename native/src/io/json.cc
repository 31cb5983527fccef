// Minimal strict JSON reader: recursive descent with a depth cap, no exceptions escape, errors carry the byte offset.
#include "io/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_set>

namespace lathe::io {

const JsonValue* JsonValue::get(const std::string& key) const {
  if (kind != Kind::object) return nullptr;
  for (size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return &values[i];
  return nullptr;
}

bool valid_utf8(const char* data, size_t size) {
  const auto* s = reinterpret_cast<const unsigned char*>(data);
  size_t i = 0;
  while (i < size) {
    unsigned c = s[i];
    if (c < 0x80) { ++i; continue; }
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
    else return false;
    if (i + n >= size) return false;
    for (size_t k = 1; k <= n; ++k) {
      unsigned cc = s[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return false;  // overlong
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

namespace {

struct Parser {
  const char* p;
  const char* end;
  const char* begin;
  int max_depth;
  std::string error;
  bool duplicate_key = false;
  std::string duplicate;

  bool fail(const std::string& msg) {
    if (error.empty()) error = msg + " at byte " + std::to_string(p - begin);
    return false;
  }
  void ws() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
  }
  bool lit(const char* s) {
    size_t n = std::strlen(s);
    if (static_cast<size_t>(end - p) < n || std::memcmp(p, s, n) != 0) return fail("invalid literal");
    p += n;
    return true;
  }
  static void put_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) out += static_cast<char>(cp);
    else if (cp < 0x800) { out += static_cast<char>(0xC0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18)); out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool hex4(uint32_t& v) {
    if (end - p < 4) return fail("truncated \\u escape");
    v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = *p++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return fail("invalid \\u escape");
    }
    return true;
  }
  bool string(std::string& out) {
    if (p >= end || *p != '"') return fail("expected a string");
    ++p;
    while (true) {
      if (p >= end) return fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(*p);
      if (c == '"') { ++p; return true; }
      if (c < 0x20) return fail("control character in string");
      if (c != '\\') { out += static_cast<char>(c); ++p; continue; }
      ++p;
      if (p >= end) return fail("unterminated escape");
      char e = *p++;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return fail("unpaired surrogate");
            p += 2;
            uint32_t lo;
            if (!hex4(lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return fail("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail("unpaired surrogate");
          }
          put_utf8(out, cp);
          break;
        }
        default: return fail("invalid escape");
      }
    }
  }
  bool number(JsonValue& v) {
    const char* s = p;
    if (p < end && *p == '-') ++p;
    if (p >= end) return fail("invalid number");
    if (*p == '0') ++p;
    else if (*p >= '1' && *p <= '9') { while (p < end && *p >= '0' && *p <= '9') ++p; }
    else return fail("invalid number");
    bool integer = true;
    if (p < end && *p == '.') {
      integer = false; ++p;
      if (p >= end || !(*p >= '0' && *p <= '9')) return fail("invalid number");
      while (p < end && *p >= '0' && *p <= '9') ++p;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      integer = false; ++p;
      if (p < end && (*p == '+' || *p == '-')) ++p;
      if (p >= end || !(*p >= '0' && *p <= '9')) return fail("invalid number");
      while (p < end && *p >= '0' && *p <= '9') ++p;
    }
    std::string text(s, p);
    v.kind = JsonValue::Kind::number;
    v.num = std::strtod(text.c_str(), nullptr);
    v.num_is_integer = integer;
    if (integer && text[0] != '-') {
      // Exact u64 with overflow detection: offsets and shapes must never go through a double.
      uint64_t acc = 0;
      bool ok = true;
      for (char c : text) {
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (acc > (UINT64_MAX - d) / 10) { ok = false; break; }
        acc = acc * 10 + d;
      }
      v.num_u64 = acc;
      v.num_u64_ok = ok;
    }
    return true;
  }
  bool value(JsonValue& v, int depth) {
    if (depth > max_depth) return fail("nesting too deep");
    ws();
    if (p >= end) return fail("unexpected end of input");
    char c = *p;
    if (c == '{') {
      ++p;
      v.kind = JsonValue::Kind::object;
      std::unordered_set<std::string> seen;
      ws();
      if (p < end && *p == '}') { ++p; return true; }
      while (true) {
        ws();
        std::string key;
        if (!string(key)) return false;
        if (!seen.insert(key).second) {
          duplicate_key = true;
          duplicate = key;
          return fail("duplicate key \"" + key + "\"");
        }
        ws();
        if (p >= end || *p != ':') return fail("expected ':'");
        ++p;
        JsonValue child;
        if (!value(child, depth + 1)) return false;
        v.keys.push_back(std::move(key));
        v.values.push_back(std::move(child));
        ws();
        if (p < end && *p == ',') { ++p; continue; }
        if (p < end && *p == '}') { ++p; return true; }
        return fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      ++p;
      v.kind = JsonValue::Kind::array;
      ws();
      if (p < end && *p == ']') { ++p; return true; }
      while (true) {
        JsonValue child;
        if (!value(child, depth + 1)) return false;
        v.items.push_back(std::move(child));
        ws();
        if (p < end && *p == ',') { ++p; continue; }
        if (p < end && *p == ']') { ++p; return true; }
        return fail("expected ',' or ']'");
      }
    }
    if (c == '"') { v.kind = JsonValue::Kind::string; return string(v.str); }
    if (c == 't') { v.kind = JsonValue::Kind::boolean; v.b = true; return lit("true"); }
    if (c == 'f') { v.kind = JsonValue::Kind::boolean; v.b = false; return lit("false"); }
    if (c == 'n') { v.kind = JsonValue::Kind::null_v; return lit("null"); }
    return number(v);
  }
};

}  // namespace

JsonParseResult parse_json(const char* data, size_t size, int max_depth) {
  Parser ps{data, data + size, data, max_depth, {}, false, {}};
  JsonParseResult r;
  if (ps.value(r.value, 0)) {
    ps.ws();
    if (ps.p != ps.end) ps.fail("trailing characters after the JSON value");
  }
  r.ok = ps.error.empty();
  r.error = ps.error;
  r.duplicate_key = ps.duplicate_key;
  r.duplicate = ps.duplicate;
  return r;
}

std::string json_quote(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  return o + "\"";
}

}  // namespace lathe::io
