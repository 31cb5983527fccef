// N-API bindings for the model layer: Engine (thread pool), Model (load, plan, logprobs, generate, adapters), CancelToken,
// and inspectSafetensors (validated header listing).
#pragma once
#include <napi.h>

namespace lathe::addon {
void register_model(Napi::Env env, Napi::Object exports);
}
