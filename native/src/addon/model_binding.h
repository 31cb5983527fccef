// N-API bindings for the model layer: Engine (thread pool), Model (load, plan, logprobs, topk, generate, adapters),
// CancelToken and optionKeys.
#pragma once
#include <napi.h>

namespace lathe::addon {
void register_model(Napi::Env env, Napi::Object exports);
}
