// Status: how every engine function reports failure (code + message + hint), since engine code never throws across the N-API line nor exits.
#pragma once
#include <string>
#include <utility>

namespace lathe {

// Codes are stable strings shared with LatheError on the TS side (main/api/errors.ts).
namespace status_code {
inline constexpr const char* ok = "ok";
inline constexpr const char* invalid_argument = "invalid_argument";  // a caller passed bad sizes/pointers (usually a bug)
inline constexpr const char* unsupported = "unsupported";            // a feature/dtype/shape the engine does not handle
inline constexpr const char* out_of_memory = "out_of_memory";
inline constexpr const char* io_error = "io_error";
inline constexpr const char* bad_model = "bad_model";                // a malformed checkpoint or file
inline constexpr const char* cancelled = "cancelled";
inline constexpr const char* internal = "internal";
}  // namespace status_code

struct Status {
  std::string code = status_code::ok;
  std::string message;  // what went wrong and where (file, tensor, field)
  std::string hint;     // how the user can fix it; may be empty

  bool ok() const { return code == status_code::ok; }
  explicit operator bool() const { return ok(); }

  static Status Ok() { return Status{}; }
  static Status error(std::string code, std::string message, std::string hint = {}) {
    Status s;
    s.code = std::move(code);
    s.message = std::move(message);
    s.hint = std::move(hint);
    return s;
  }
  static Status invalid(std::string message, std::string hint = {}) {
    return error(status_code::invalid_argument, std::move(message), std::move(hint));
  }
};

// Propagates a failed Status to the caller: LATHE_RETURN_IF_ERROR(load(x));
#define LATHE_RETURN_IF_ERROR(expr)      \
  do {                                   \
    ::lathe::Status _lathe_st = (expr);  \
    if (!_lathe_st.ok()) return _lathe_st; \
  } while (0)

}  // namespace lathe
