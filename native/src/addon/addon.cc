// N-API module entry: registers each binding group. Glue only; engine logic lives in core/, io/, quant/, model/, cpu/.
#include <napi.h>

#include "addon/files_binding.h"
#include "addon/model_binding.h"
#include "addon/system.h"

static Napi::Object init(Napi::Env env, Napi::Object exports) {
  lathe::addon::register_system(env, exports);
  lathe::addon::register_model(env, exports);
  lathe::addon::register_files(env, exports);
  return exports;
}

NODE_API_MODULE(lathe_native, init)
