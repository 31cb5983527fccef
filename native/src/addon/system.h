// N-API bindings for machine facts: engine version, CPU features, GPUs and backends.
#pragma once
#include <napi.h>

namespace lathe::addon {
void register_system(Napi::Env env, Napi::Object exports);
}
