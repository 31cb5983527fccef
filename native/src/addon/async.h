// N-API glue shared by the model bindings: Status → JS Error (code, hint), promise-returning workers, cancel tokens.
#pragma once
#include <napi.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace lathe::addon {

// A JS Error with .code and .hint set from the Status.
Napi::Error status_to_error(Napi::Env env, const Status& st);

// Throws a TypeError-like error with code invalid_argument; returns env.Undefined() for `return throw_invalid(...)`.
Napi::Value throw_invalid(Napi::Env env, const std::string& message);

// Runs `work` on a libuv worker thread; resolves with `done(env)` or rejects with the Status as a JS error.
// Any C++ exception inside `work` becomes an `internal` error (never crosses into Node).
class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<Status()>;
  using Done = std::function<Napi::Value(Napi::Env)>;
  PromiseWorker(Napi::Env env, Work work, Done done);
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  Napi::Promise::Deferred deferred_;
  Work work_;
  Done done_;
  Status status_;
};

// Queues a PromiseWorker and returns its promise.
Napi::Promise run_async(Napi::Env env, PromiseWorker::Work work, PromiseWorker::Done done);

// Shared cancellation flag: JS holds a CancelToken object, native code polls the flag between layers/tokens.
using CancelFlag = std::shared_ptr<std::atomic<bool>>;

class CancelToken : public Napi::ObjectWrap<CancelToken> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit CancelToken(const Napi::CallbackInfo& info);
  CancelFlag flag() const { return flag_; }

 private:
  Napi::Value cancel(const Napi::CallbackInfo& info);
  Napi::Value cancelled(const Napi::CallbackInfo& info);
  CancelFlag flag_;
};

// Reads an optional CancelToken argument (undefined/null → a flag nobody sets).
CancelFlag cancel_flag_from(const Napi::Value& v);

// Argument helpers: they throw a JS error and return false when the value has the wrong type.
bool get_int32_array(Napi::Env env, const Napi::Value& v, const char* what, std::vector<int32_t>& out);

}  // namespace lathe::addon
