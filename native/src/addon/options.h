// The engine's option objects, read strictly: the LoRA config and the optimizer step each list their keys once here;
// every key must be present with its type and no other key may appear, so a typo or a forgotten key is an error
// naming the key, never a silent default. optionKeys() hands the lists to TypeScript, whose types are tested against them.
#pragma once
#include <napi.h>

#include <string>

#include "model/model.h"

namespace lathe::addon {

inline constexpr const char* kLoraKeys[] = {"r", "alpha", "dropout", "rslora", "targets", "seed", "trainEmbeddings"};
inline constexpr const char* kStepKeys[] = {"lr", "beta1", "beta2", "eps", "weightDecay", "maxGradNorm", "embeddingLr", "loraPlusRatio"};

// Reads `lora` into lc; on a bad object throws a JS error (code invalid_argument) and returns false.
bool parse_lora_strict(Napi::Env env, const Napi::Value& v, model::LoraConfig& lc);
// The same for an optional `lora` (load or plan without an adapter): undefined or null leaves lc without one.
bool parse_lora_optional(Napi::Env env, const Napi::Value& v, model::LoraConfig& lc);
// Reads a step's options into o; on a bad object throws a JS error and returns false.
bool parse_step_strict(Napi::Env env, const Napi::Value& v, model::StepOptions& o);
// { lora: [...keys], step: [...keys], maxLoraRank }.
Napi::Value option_keys(const Napi::CallbackInfo& info);

}  // namespace lathe::addon
