// N-API glue shared by the model bindings (see async.h).
#include "addon/async.h"

#include <exception>

namespace lathe::addon {

Napi::Error status_to_error(Napi::Env env, const Status& st) {
  Napi::Error e = Napi::Error::New(env, st.message.empty() ? st.code : st.message);
  e.Set("code", Napi::String::New(env, st.code));
  if (!st.hint.empty()) e.Set("hint", Napi::String::New(env, st.hint));
  return e;
}

Napi::Value throw_invalid(Napi::Env env, const std::string& message) {
  status_to_error(env, Status::invalid(message, "This is a bug in the caller of the engine addon.")).ThrowAsJavaScriptException();
  return env.Undefined();
}

PromiseWorker::PromiseWorker(Napi::Env env, Work work, Done done)
    : Napi::AsyncWorker(env, "lathe.engine"), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)), done_(std::move(done)) {}

void PromiseWorker::Execute() {
  try {
    status_ = work_();
  } catch (const std::bad_alloc&) {
    status_ = Status::error(status_code::out_of_memory, "the engine ran out of memory", "Reduce the batch size, the sequence length or use --quant nf4.");
  } catch (const std::exception& e) {
    status_ = Status::error(status_code::internal, std::string("engine error: ") + e.what(), "This is a bug in Lathe.");
  } catch (...) {
    status_ = Status::error(status_code::internal, "engine error", "This is a bug in Lathe.");
  }
  if (!status_.ok()) SetError(status_.message);
}

void PromiseWorker::OnOK() {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  Napi::Value v = done_ ? done_(env) : env.Undefined();
  if (env.IsExceptionPending()) {
    deferred_.Reject(env.GetAndClearPendingException().Value());
    return;
  }
  deferred_.Resolve(v);
}

void PromiseWorker::OnError(const Napi::Error&) {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  deferred_.Reject(status_to_error(env, status_).Value());
}

Napi::Promise run_async(Napi::Env env, PromiseWorker::Work work, PromiseWorker::Done done) {
  auto* w = new PromiseWorker(env, std::move(work), std::move(done));  // deletes itself after OnOK/OnError
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

Napi::Function CancelToken::define(Napi::Env env) {
  return DefineClass(env, "CancelToken",
                     {InstanceMethod("cancel", &CancelToken::cancel), InstanceMethod("cancelled", &CancelToken::cancelled)});
}

CancelToken::CancelToken(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CancelToken>(info), flag_(std::make_shared<std::atomic<bool>>(false)) {}

Napi::Value CancelToken::cancel(const Napi::CallbackInfo& info) {
  flag_->store(true);
  return info.Env().Undefined();
}

Napi::Value CancelToken::cancelled(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), flag_->load()); }

CancelFlag cancel_flag_from(const Napi::Value& v) {
  if (v.IsObject()) {
    Napi::Object o = v.As<Napi::Object>();
    // InstanceOf is not needed: Unwrap returns nullptr for foreign objects.
    CancelToken* t = nullptr;
    napi_status s = napi_unwrap(v.Env(), o, reinterpret_cast<void**>(&t));
    if (s == napi_ok && t) return t->flag();
  }
  return std::make_shared<std::atomic<bool>>(false);
}

bool get_int32_array(Napi::Env env, const Napi::Value& v, const char* what, std::vector<int32_t>& out) {
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    Napi::Int32Array a = v.As<Napi::Int32Array>();
    out.assign(a.Data(), a.Data() + a.ElementLength());
    return true;
  }
  if (v.IsArray()) {
    Napi::Array a = v.As<Napi::Array>();
    out.resize(a.Length());
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value x = a.Get(i);
      if (!x.IsNumber()) {
        throw_invalid(env, std::string(what) + "[" + std::to_string(i) + "] is not a number");
        return false;
      }
      double d = x.As<Napi::Number>().DoubleValue();
      if (d != static_cast<double>(static_cast<int32_t>(d))) {
        throw_invalid(env, std::string(what) + "[" + std::to_string(i) + "] is not a 32-bit integer");
        return false;
      }
      out[i] = static_cast<int32_t>(d);
    }
    return true;
  }
  throw_invalid(env, std::string(what) + " must be an Int32Array or an array of integers");
  return false;
}

}  // namespace lathe::addon
