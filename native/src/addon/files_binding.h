// N-API bindings that read a model's files without loading it: planModel and inspectSafetensors.
#pragma once
#include <napi.h>

namespace lathe::addon {
void register_files(Napi::Env env, Napi::Object exports);
}
