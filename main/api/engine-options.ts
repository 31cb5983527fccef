// The engine's training options, declared once: the LoRA and optimizer keys the native binding reads (strictly: every
// key, no other) and their types. Defaults are not here: they live in the training config table (api/training-config.ts),
// and trainer/engine-options-from-config.ts is the one place a config becomes these options.

/** The linear layers a LoRA adapter can target, in the engine's order. */
export const LORA_TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];
/** How the frozen base weights are stored while training: NF4 (QLoRA), int8, or as loaded. */
export const QUANTS = ['nf4', 'int8', 'none'] as const;
export type Quant = (typeof QUANTS)[number];

/** Highest LoRA rank, here and in the engine (lora.cc): beyond it an adapter costs about as much as full fine-tuning. */
export const MAX_LORA_RANK = 512;

export const LORA_KEYS = ['r', 'alpha', 'dropout', 'rslora', 'targets', 'seed', 'trainEmbeddings'] as const;
export interface LoraOptions {
  r: number;
  /** The update is scaled by alpha/r (alpha/sqrt(r) with rslora). */
  alpha: number;
  dropout: number;
  rslora: boolean;
  targets: LoraTarget[];
  /** Seeds the Kaiming-uniform init of A. */
  seed: number;
  /** Also train the embedding table and output head (f32 copies; PEFT modules_to_save). */
  trainEmbeddings: boolean;
}

export const OPTIMIZER_KEYS = ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'maxGradNorm', 'embeddingLr', 'loraPlusRatio'] as const;
/** AdamW with global-norm clipping. maxGradNorm 0 = no clipping; embeddingLr is the trainable tables' rate. */
export type OptimizerOptions = Record<(typeof OPTIMIZER_KEYS)[number], number>;

// Compile-time proof that the key lists and the interfaces name the same keys (a key added to one but not the other
// fails the build); the native side is held to the same lists by test/addon/engine-options.test.ts.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const loraKeysMatch: Same<keyof LoraOptions, (typeof LORA_KEYS)[number]> = true;
void loraKeysMatch;

/**
 * Training's activation checkpointing: true (default) stores each layer's input and recomputes the layer in backward;
 * false keeps every layer's activations; 'offload' is checkpointing with the stored inputs in host memory (one
 * download after each layer's forward, one upload before its recompute), leaving two (N, C) slots on the device.
 */
export type Checkpointing = boolean | 'offload';
