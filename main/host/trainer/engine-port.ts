// What the trainer needs from the engine: the one differentiable primitive (per-token log-probs of targets and their
// gradient w.r.t. LoRA), an optimizer step, and state save/load. The native facade (main/engine) implements it; tests
// use a small pure-TypeScript model with the same contract.
import type { OptimizerOptions } from '../../api/engine-options';

/** A micro-batch of B sequences of T positions, flattened row-major (B*T). */
export interface TrainBatch {
  batch: number;
  seqLen: number;
  /** (B*T) input ids; padding positions hold any valid id and have target -1. */
  tokens: Int32Array;
  /** (B*T) the id to score at each position (normally tokens[t+1]); -1 = nothing to score. */
  targets: Int32Array;
  /** (B*T) packed-document id per position: attention stays within a document. Absent = one document per row. */
  segments?: Int32Array;
  /** (B*T) RoPE positions (restart at 0 for each packed document). Absent = 0..T-1 per row. */
  positions?: Int32Array;
}

/** The engine's optimizer options, declared once (main/api/engine-options.ts). */
export type StepOptions = OptimizerOptions;

export interface StepResult {
  /** Global L2 norm of the LoRA gradients before clipping. */
  gradNorm: number;
  /** True when the engine refused the step (non-finite gradients); state is untouched. */
  skipped: boolean;
}

export interface TrainableModel {
  /** (B*T) log p(target | prefix) with the adapter on or off; 0 where target is -1. keepForBackward saves what backward needs. */
  forward(batch: TrainBatch, opts: { adapter: boolean; keepForBackward: boolean; signal?: AbortSignal }): Promise<Float32Array>;
  /** Accumulates LoRA gradients for the last kept forward, given dObjective/dlogp per position (B*T). */
  backward(seeds: Float32Array, opts?: { signal?: AbortSignal }): Promise<void>;
  /** AdamW on the accumulated gradients (clipped to maxGradNorm), then zeroes them. */
  step(opts: StepOptions): Promise<StepResult>;
  /** Drops accumulated gradients (after a skipped step). */
  zeroGrad(): Promise<void>;
  /** The adapter in PEFT format (adapter_model.safetensors + adapter_config.json) into `dir`. */
  saveAdapter(dir: string): Promise<void>;
  /** Full training state (LoRA weights, Adam moments, optimizer step, RNG) to one file, atomically. */
  saveState(file: string): Promise<void>;
  loadState(file: string): Promise<void>;
  /** Samples one completion with the adapter on (KV cache); the same seed gives the same tokens. GRPO needs it. */
  generate?(prompt: number[], opts: { maxNewTokens: number; temperature: number; seed: number; stop: number[]; signal?: AbortSignal }): Promise<number[]>;
  /** A group of completions of one prompt, one per seed, decoded together (the same tokens as generate per seed). */
  generateGroup?(prompt: number[], seeds: number[], opts: { maxNewTokens: number; temperature: number; stop: number[]; signal?: AbortSignal }): Promise<number[][]>;
  /** Engine memory now, its peak, and the plan made before allocating (bytes), when the engine tracks them. */
  memory?(): { usedBytes: number; peakBytes: number; plannedBytes: number };
  /** The backend running the model, e.g. "vulkan (NVIDIA GeForce RTX 4090, discrete)" or "cpu (avx2, 8 threads)". */
  device?(): string;
}
