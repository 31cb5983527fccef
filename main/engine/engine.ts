// Typed facade over the native model bindings: open an engine, load a model, score, generate, plan memory, adapters.
// Only the engine host / CLI process may use it (it loads the addon). Every heavy call is async and takes an AbortSignal.
import { LatheError } from '../api/errors';
import { loadAddon } from './addon';
import { LORA_TARGETS, type Checkpointing, type LoraOptions, type LoraTarget, type OptimizerOptions, type Quant } from '../api/engine-options';

export type { Checkpointing, LoraOptions, LoraTarget, OptimizerOptions, Quant } from '../api/engine-options';
export const ALL_LORA_TARGETS: LoraTarget[] = [...LORA_TARGETS];

/** The trainable tables of trainEmbeddings (PEFT modules_to_save names). */
export type TableName = 'embed_tokens' | 'lm_head';

export interface LoadModelOptions {
  quant?: Quant;
  lora?: LoraOptions;
  /** Longest sequence (prompt + generated) any call may use; default 4096. */
  maxSeqLen?: number;
  /** Backend that runs the model (see device.ts); the engine rejects one not built in with a clear error. Default 'cpu'. */
  device?: EngineDevice;
  signal?: AbortSignal;
}

import type { EngineDevice } from '../api/device';
import type { MemoryPlan } from '../api/run-types';
export type { MemoryPlan };
export type { EngineDevice };

export interface ModelInfo {
  architecture: string;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  ropeTheta: number;
  ropeScaling: string;
  rmsNormEps: number;
  tiedEmbeddings: boolean;
  maxPositionEmbeddings: number;
  parameters: number;
  loraParameters: number;
  storageDtype: string;
  quant: Quant;
  maxSeqLen: number;
  hasAdapter: boolean;
  /** The backend running the model, e.g. "cpu (avx512, 2 threads)". */
  backend: string;
}

export interface MemoryUsage {
  current: Omit<MemoryPlan, 'total'> & { total: number };
  peak: Omit<MemoryPlan, 'total'> & { total: number };
  /** On a GPU backend: the device memory this process uses now and its budget, as the driver reports them. */
  device?: { usedBytes: number; budgetBytes: number };
}

export interface GenerateOptions {
  maxNewTokens?: number;
  /** 0 (default) = greedy. */
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repetitionPenalty?: number;
  seed?: number;
  stop?: number[];
  adapter?: boolean;
  signal?: AbortSignal;
}

/** One optimizer step's options: every key, no defaults (api/training-config.ts holds those). */
export type StepOptions = OptimizerOptions;

export interface StepResult {
  /** Global L2 norm of the LoRA gradients before clipping. */
  gradNorm: number;
  /** True when the step was not applied (non-finite gradients, or nothing accumulated); state is untouched. */
  skipped: boolean;
  reason?: string;
  /** Optimizer steps taken so far. */
  step: number;
}

export interface ForwardBatch {
  /** batch rows of equal length, flattened. */
  tokens: ArrayLike<number>;
  /** Same length as tokens: logp[i] = log p(targets[i] | tokens[..i]); -1 (or mask 0) = no target. */
  targets: ArrayLike<number>;
  /** Optional 0/1 mask; positions with 0 get target -1. */
  mask?: ArrayLike<number>;
  batch?: number;
  /** Packed rows: RoPE position of each token (restarting at 0 per document). */
  positions?: ArrayLike<number>;
  /** Packed rows: document id of each token; attention stays within a document. */
  segments?: ArrayLike<number>;
}

/** Per-position top-k next tokens (EngineModel.topk). */
export interface TopK {
  ids: Int32Array;
  logprobs: Float32Array;
  targetLogprobs: Float32Array;
}

export interface GenerateResult {
  tokens: number[];
  finishReason: 'stop' | 'length' | 'context' | 'stopped';
}

interface NativeCancelToken {
  cancel(): void;
}
interface NativeModel {
  load(dir: string, opts: object, token?: NativeCancelToken): Promise<ModelInfo>;
  info(): ModelInfo;
  plan(batch: number, seqLen: number, mode: string, promptLen: number): MemoryPlan;
  memory(): MemoryUsage;
  resetPeak(): void;
  logprobs(ids: Int32Array, batch: number, adapter: boolean, token?: NativeCancelToken): Promise<Float32Array>;
  topk(ids: Int32Array, k: number, adapter: boolean, token?: NativeCancelToken): Promise<{ ids: Int32Array; logprobs: Float32Array; targetLogprobs: Float32Array }>;
  generate(ids: Int32Array, opts: object, onToken: ((t: number) => void) | undefined, token?: NativeCancelToken): Promise<{ tokens: Int32Array; finishReason: GenerateResult['finishReason'] }>;
  generateGroup(ids: Int32Array, opts: object, seeds: number[], token?: NativeCancelToken): Promise<{ tokens: Int32Array[]; finishReasons: GenerateResult['finishReason'][] }>;
  initLora(cfg: LoraOptions): Promise<ModelInfo>;
  clearLora(): void;
  loadAdapter(dir: string): Promise<ModelInfo>;
  saveAdapter(dir: string, baseModel: string): Promise<void>;
  dequantizedWeight(layer: number, module: LoraTarget): Float32Array;
  close(): void;
  forwardTrain(ids: Int32Array, targets: Int32Array, batch: number, checkpointing: Checkpointing, dropoutSeed: number, token?: NativeCancelToken, positions?: Int32Array, segments?: Int32Array): Promise<Float32Array>;
  backward(seeds: Float32Array, token?: NativeCancelToken): Promise<void>;
  step(opts: object): Promise<StepResult>;
  zeroGrad(): void;
  planTrain(batch: number, seqLen: number, checkpointing: Checkpointing): MemoryPlan;
  loraTensor(layer: number, module: LoraTarget | TableName, which: 'A' | 'B' | 'dA' | 'dB'): Float32Array;
  setLoraTensor(layer: number, module: LoraTarget | TableName, which: 'A' | 'B', values: Float32Array): void;
  saveState(path: string, rng: number): Promise<void>;
  loadState(path: string): Promise<{ rng: number; step: number }>;
}
interface NativeModelBindings {
  Engine: new (threads: number) => { threads(): number };
  Model: new (engine: object) => NativeModel;
  CancelToken: new () => NativeCancelToken;
  planModel(dir: string, opts: object, batch: number, seqLen: number, mode: string, checkpointing: Checkpointing): Promise<MemoryPlan>;
  inspectSafetensors(path: string): Promise<{ tensors: { name: string; dtype: string; shape: number[] }[]; metadata: Record<string, string> }>;
  optionKeys(): EngineOptionKeys;
}

/** The option keys the native binding reads (every one required, no other allowed), and its highest LoRA rank. */
export interface EngineOptionKeys {
  lora: string[];
  step: string[];
  maxLoraRank: number;
}

/** What the addon itself declares about its options (tests hold engine-options.ts to it). */
export function engineOptionKeys(): EngineOptionKeys {
  return bindings().optionKeys();
}

function bindings(): NativeModelBindings {
  return loadAddon() as unknown as NativeModelBindings;
}

/** Native errors carry code + hint; re-throw them as LatheError so every layer sees one error type. */
function wrapError(err: unknown): never {
  const e = err as { code?: unknown; message?: unknown; hint?: unknown };
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string') {
    throw new LatheError(e.code, e.message, typeof e.hint === 'string' && e.hint ? e.hint : undefined);
  }
  throw err;
}

/** Runs a native call with a cancel token wired to the signal. */
async function withSignal<T>(signal: AbortSignal | undefined, fn: (token: NativeCancelToken) => Promise<T>): Promise<T> {
  if (signal?.aborted) throw new LatheError('cancelled', 'the operation was cancelled');
  const token = new (bindings().CancelToken)();
  const onAbort = () => token.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(token);
  } catch (err) {
    return wrapError(err);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

export class EngineModel {
  /** Calls run one at a time (the engine's thread pool is shared); this chain keeps their order. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly native: NativeModel, readonly dir: string) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new LatheError('model_closed', `the model ${this.dir} was closed`, 'Load it again.'));
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  info(): ModelInfo {
    return this.native.info();
  }

  /**
   * Bytes the engine will use per arena for `batch` rows of `seqLen` tokens (scoring), or for a generation whose
   * KV cache holds seqLen positions after a prompt of promptLen tokens (default seqLen, the worst case); a generation
   * with batch > 1 is a group (generateGroup): batch caches.
   */
  plan(opts: { batch: number; seqLen: number; mode?: 'score' | 'generate'; promptLen?: number }): MemoryPlan {
    return this.native.plan(opts.batch, opts.seqLen, opts.mode ?? 'score', opts.promptLen ?? 0);
  }

  memory(): MemoryUsage {
    return this.native.memory();
  }

  resetPeak(): void {
    this.native.resetPeak();
  }

  /**
   * Teacher-forced log-probs: result[i] = log p(ids[i+1] | ids[0..i]) (length ids.length - 1).
   * With `batch` > 1, ids holds batch rows of equal length and the result batch rows of length - 1.
   */
  logprobs(ids: ArrayLike<number>, opts: { adapter?: boolean; batch?: number; signal?: AbortSignal } = {}): Promise<Float32Array> {
    const arr = Int32Array.from(ids);
    return this.serial(() => withSignal(opts.signal, (tok) => this.native.logprobs(arr, opts.batch ?? 1, opts.adapter ?? true, tok)));
  }

  /**
   * The k most likely next tokens at each position of one sequence, best first: ids and logprobs are (length - 1) x k
   * row-major, targetLogprobs[i] = log p(ids[i+1] | ids[0..i]) (what logprobs() returns) from the same forward.
   */
  topk(ids: ArrayLike<number>, k: number, opts: { adapter?: boolean; signal?: AbortSignal } = {}): Promise<TopK> {
    const arr = Int32Array.from(ids);
    return this.serial(() => withSignal(opts.signal, (tok) => this.native.topk(arr, k, opts.adapter ?? true, tok)));
  }

  /** Generates with a KV cache; onToken sees each token as it is produced. */
  generate(ids: ArrayLike<number>, opts: GenerateOptions = {}, onToken?: (token: number) => void): Promise<GenerateResult> {
    const arr = Int32Array.from(ids);
    const { signal, ...rest } = opts;
    return this.serial(() =>
      withSignal(signal, async (tok) => {
        const r = await this.native.generate(arr, rest, onToken, tok);
        return { tokens: Array.from(r.tokens), finishReason: r.finishReason };
      }),
    );
  }

  /**
   * One completion per seed of the same prompt (GRPO groups): the prompt is prefilled once and the completions decode
   * together, one batched forward per token. Completion i equals generate() with seed seeds[i].
   */
  generateGroup(ids: ArrayLike<number>, seeds: number[], opts: Omit<GenerateOptions, 'seed'> = {}): Promise<GenerateResult[]> {
    const arr = Int32Array.from(ids);
    const { signal, ...rest } = opts;
    return this.serial(() =>
      withSignal(signal, async (tok) => {
        const r = await this.native.generateGroup(arr, rest, seeds, tok);
        return r.tokens.map((t, i) => ({ tokens: Array.from(t), finishReason: r.finishReasons[i] }));
      }),
    );
  }

  /** Replaces the adapter with a fresh PEFT-initialised one (B = 0: outputs unchanged until trained). */
  initLora(lora: LoraOptions): Promise<ModelInfo> {
    return this.serial(() => withSignal(undefined, () => this.native.initLora(lora)));
  }

  clearLora(): Promise<void> {
    return this.serial(async () => this.native.clearLora());
  }

  /** Loads a PEFT adapter folder (adapter_config.json + adapter_model.safetensors), replacing the current adapter. */
  loadAdapter(dir: string): Promise<ModelInfo> {
    return this.serial(() => withSignal(undefined, () => this.native.loadAdapter(dir)));
  }

  /** Saves the adapter in PEFT format (atomic writes). */
  saveAdapter(dir: string, opts: { baseModel?: string } = {}): Promise<void> {
    return this.serial(() => withSignal(undefined, () => this.native.saveAdapter(dir, opts.baseModel ?? this.dir)));
  }

  /**
   * Training forward: per-position log-probs of the targets (0 where there is none), keeping per-layer inputs so
   * backward() can recompute each layer (checkpointing, default on; off keeps every layer's activations; 'offload'
   * keeps those inputs in host memory, for the same numbers).
   */
  forward(b: ForwardBatch, opts: { checkpointing?: Checkpointing; dropoutSeed?: number; signal?: AbortSignal } = {}): Promise<Float32Array> {
    const tokens = Int32Array.from(b.tokens);
    const targets = Int32Array.from(b.targets);
    if (b.mask) for (let i = 0; i < targets.length; i++) if (!b.mask[i]) targets[i] = -1;
    return this.serial(() =>
      withSignal(opts.signal, (tok) =>
        this.native.forwardTrain(tokens, targets, b.batch ?? 1, opts.checkpointing ?? true, opts.dropoutSeed ?? 0, tok, b.positions ? Int32Array.from(b.positions) : undefined, b.segments ? Int32Array.from(b.segments) : undefined),
      ),
    );
  }

  /** Accumulates LoRA gradients for seeds[i] = dLoss/dlogp[i] of the last forward(). */
  backward(seeds: Float32Array, opts: { signal?: AbortSignal } = {}): Promise<void> {
    return this.serial(() => withSignal(opts.signal, (tok) => this.native.backward(seeds, tok)));
  }

  /** One AdamW step over the accumulated gradients (then zeroes them). Non-finite gradients skip the step. */
  step(o: StepOptions): Promise<StepResult> {
    return this.serial(() =>
      withSignal(undefined, () =>
        this.native.step(o),
      ),
    );
  }

  zeroGrad(): Promise<void> {
    return this.serial(async () => this.native.zeroGrad());
  }

  /** Bytes per arena for training on batch x seqLen (LoRA + grads + Adam moments, checkpoints, recompute, logits chunk). */
  planTrain(opts: { batch: number; seqLen: number; checkpointing?: Checkpointing }): MemoryPlan {
    return this.native.planTrain(opts.batch, opts.seqLen, opts.checkpointing ?? true);
  }

  /**
   * Saves the full training state (LoRA weights, AdamW moments, step, and the caller's RNG word, e.g. the data-order
   * seed) to one checksummed file, atomically (temp file, fsync, rename).
   */
  saveState(path: string, opts: { rng?: number } = {}): Promise<void> {
    return this.serial(() => withSignal(undefined, () => this.native.saveState(path, opts.rng ?? 0)));
  }

  /** Restores a state saved by saveState (replaces the adapter); returns the RNG word and step count. */
  loadState(path: string): Promise<{ rng: number; step: number }> {
    return this.serial(() => withSignal(undefined, () => this.native.loadState(path)));
  }

  /**
   * A LoRA tensor or its gradient: A [r, in], B [out, r]. With module 'embed_tokens' or 'lm_head' (trainEmbeddings):
   * the trainable table [vocab, hidden] ('A') or its gradient ('dA'); the layer is ignored.
   */
  loraTensor(layer: number, module: LoraTarget | TableName, which: 'A' | 'B' | 'dA' | 'dB'): Float32Array {
    try {
      return this.native.loraTensor(layer, module, which);
    } catch (err) {
      return wrapError(err);
    }
  }

  setLoraTensor(layer: number, module: LoraTarget | TableName, which: 'A' | 'B', values: Float32Array): void {
    try {
      this.native.setLoraTensor(layer, module, which, values);
    } catch (err) {
      wrapError(err);
    }
  }

  /** The (dequantized) base weight [out, in] of one module, for tests and export. */
  dequantizedWeight(layer: number, module: LoraTarget): Float32Array {
    try {
      return this.native.dequantizedWeight(layer, module);
    } catch (err) {
      return wrapError(err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    this.native.close();
  }
}

export class Engine {
  private readonly native: object;

  constructor(threads = 0) {
    this.native = new (bindings().Engine)(threads);
  }

  get threads(): number {
    return (this.native as { threads(): number }).threads();
  }

  async loadModel(dir: string, opts: LoadModelOptions = {}): Promise<EngineModel> {
    const m = new (bindings().Model)(this.native);
    const { signal, ...rest } = opts;
    await withSignal(signal, (tok) => m.load(dir, { quant: rest.quant ?? 'none', maxSeqLen: rest.maxSeqLen ?? 4096, lora: rest.lora, device: rest.device ?? 'cpu' }, tok));
    return new EngineModel(m, dir);
  }
}

/** Opens the engine: a thread pool of `threads` (0 = all hardware threads). */
export function openEngine(opts: { threads?: number } = {}): Engine {
  return new Engine(opts.threads ?? 0);
}

/**
 * "Will it fit": the memory plan for a model folder from its config.json and safetensors headers, before anything
 * is loaded or quantized (same numbers as a loaded model's plan()/planTrain()).
 */
export async function planModel(
  dir: string,
  opts: {
    quant?: Quant;
    lora?: LoraOptions;
    batch: number;
    seqLen: number;
    mode?: 'score' | 'generate' | 'train';
    checkpointing?: Checkpointing;
    /** Plan from config.json alone, with the weights' stored dtype given (a model not downloaded yet). */
    storageDtype?: 'F32' | 'BF16' | 'F16';
    /** The device the plan is for: a GPU also holds the weights the CPU maps from the file. Default 'cpu'. */
    device?: EngineDevice;
  },
): Promise<MemoryPlan> {
  try {
    return await bindings().planModel(dir, { quant: opts.quant ?? 'none', lora: opts.lora, storageDtype: opts.storageDtype, device: opts.device }, opts.batch, opts.seqLen, opts.mode ?? 'score', opts.checkpointing ?? true);
  } catch (err) {
    return wrapError(err);
  }
}

/** Validates a safetensors file with the engine's reader and lists its tensors (nothing is loaded). */
export async function inspectSafetensors(path: string): Promise<{ tensors: { name: string; dtype: string; shape: number[] }[]; metadata: Record<string, string> }> {
  try {
    return await bindings().inspectSafetensors(path);
  } catch (err) {
    return wrapError(err);
  }
}
