// N-API bindings for training; each takes the loaded model and its engine from ModelWrap.
#pragma once
#include <napi.h>

#include <memory>

#include "addon/model_common.h"

namespace lathe::addon::train {
Napi::Value forward_train(const Napi::CallbackInfo& info, const std::shared_ptr<model::Model>& model_, const std::shared_ptr<EngineCore>& engine_);
Napi::Value backward(const Napi::CallbackInfo& info, const std::shared_ptr<model::Model>& model_, const std::shared_ptr<EngineCore>& engine_);
Napi::Value step(const Napi::CallbackInfo& info, const std::shared_ptr<model::Model>& model_, const std::shared_ptr<EngineCore>& engine_);
Napi::Value zero_grad(const Napi::CallbackInfo& info, const std::shared_ptr<model::Model>& model_, const std::shared_ptr<EngineCore>& engine_);
Napi::Value plan_train(const Napi::CallbackInfo& info, const std::shared_ptr<model::Model>& model_, const std::shared_ptr<EngineCore>& engine_);
Napi::Value lora_tensor(const Napi::CallbackInfo& info, const std::shared_ptr<model::Model>& model_, const std::shared_ptr<EngineCore>& engine_);
Napi::Value set_lora_tensor(const Napi::CallbackInfo& info, const std::shared_ptr<model::Model>& model_, const std::shared_ptr<EngineCore>& engine_);
Napi::Value save_state(const Napi::CallbackInfo& info, const std::shared_ptr<model::Model>& model_, const std::shared_ptr<EngineCore>& engine_);
Napi::Value load_state(const Napi::CallbackInfo& info, const std::shared_ptr<model::Model>& model_, const std::shared_ptr<EngineCore>& engine_);
}  // namespace lathe::addon::train
