// The native engine as the trainer's TrainableModel: loads the base model with a fresh LoRA adapter from the run's
// config, and derives each training forward's dropout seed from (seed, forward count) so a resumed run draws the same
// dropout masks; the count travels in the engine state file's RNG word.
import { checkpointingFor, loraOptions } from './engine-options-from-config';
import { openEngine, type EngineModel, type MemoryPlan } from '../../engine/engine';
import { parseDevice } from '../../api/device';
import { LatheError } from '../../api/errors';
import { PREFERENCE_OBJECTIVES, type TrainingConfig } from '../../api/training-config';
import type { StepResult, TrainBatch, TrainableModel } from './engine-port';
import { mixSeed } from '../../data/rng';

export interface NativeTrainable extends TrainableModel {
  model: EngineModel;
  close(): Promise<void>;
}

/**
 * The reference policy (adapter off) through the scoring path: each padded row becomes T+1 ids (its tokens, then its
 * last target) so position t scores ids[t+1] = targets[t]. Padding follows the content, and attention is causal, so
 * it changes nothing before it. Packed rows (several documents per row) are not scored this way.
 */
async function referenceForward(model: EngineModel, b: TrainBatch, signal?: AbortSignal): Promise<Float32Array> {
  if (b.segments) throw new LatheError('engine.unsupported', 'The reference pass (adapter off) needs unpacked rows.', 'Set packing: false for this objective.');
  const T = b.seqLen;
  const ids = new Int32Array(b.batch * (T + 1));
  for (let r = 0; r < b.batch; r++) {
    ids.set(b.tokens.subarray(r * T, (r + 1) * T), r * (T + 1));
    const last = b.targets[r * T + T - 1];
    ids[r * (T + 1) + T] = last >= 0 ? last : b.tokens[r * T + T - 1];
  }
  const lp = await model.logprobs(ids, { adapter: false, batch: b.batch, signal });
  const out = new Float32Array(b.batch * T);
  for (let i = 0; i < out.length; i++) if (b.targets[i] >= 0) out[i] = lp[i];
  return out;
}

/** A training plan plus a group generation's own buffers (its KV caches, activations and scratch). */
export function withGeneration(train: MemoryPlan, gen: MemoryPlan): MemoryPlan {
  const extra = gen.kvCache + gen.activations + gen.scratch;
  return { ...train, kvCache: train.kvCache + gen.kvCache, activations: train.activations + gen.activations, scratch: train.scratch + gen.scratch, total: train.total + extra };
}

export async function createNativeTrainable(config: TrainingConfig): Promise<NativeTrainable> {
  const engine = openEngine({ threads: config.threads });
  const model = await engine.loadModel(config.model, {
    quant: config.quant,
    maxSeqLen: config.seqLen + 1,
    device: parseDevice(config.device, 'device'),  // the engine rejects a backend this build lacks, naming the choices
    lora: loraOptions(config),
  });
  if (config.initAdapter) {
    try {
      await model.loadAdapter(config.initAdapter);
    } catch (err) {
      await model.close();
      const e = err as { message?: string };
      throw new LatheError('config.initAdapter', `initAdapter ${config.initAdapter} cannot be loaded: ${e.message ?? String(err)}`, 'Point initAdapter at a PEFT adapter folder (adapter_config.json + adapter_model.safetensors) trained on this base model.');
    }
  }
  // Preference objectives put a pair (chosen + rejected) in every micro-batch slot: twice the rows. GRPO trains one
  // group (grpoGroupSize completions of a prompt) per forward; its generation's KV cache is not in this plan.
  const rows = config.objective === 'grpo' ? config.grpoGroupSize : config.microBatch * (PREFERENCE_OBJECTIVES.includes(config.objective) ? 2 : 1);
  const checkpointing = checkpointingFor(config, model.info().backend);
  const trainPlan = model.planTrain({ batch: rows, seqLen: config.seqLen, checkpointing });
  const planned = config.objective === 'grpo'
    ? withGeneration(trainPlan, model.plan({ batch: config.grpoGroupSize, seqLen: config.seqLen, mode: 'generate' })).total
    : trainPlan.total;
  let forwards = 0;
  const forward = (b: TrainBatch, adapter: boolean, signal?: AbortSignal) => {
    if (!adapter) return referenceForward(model, b, signal);
    forwards++;
    return model.forward({ tokens: b.tokens, targets: b.targets, batch: b.batch, positions: b.positions, segments: b.segments }, { checkpointing, dropoutSeed: mixSeed(config.seed, forwards), signal });
  };
  return {
    model,
    forward: (b, opts) => forward(b, opts.adapter, opts.signal),
    backward: (seeds, opts) => model.backward(seeds, { signal: opts?.signal }),
    step: async (o): Promise<StepResult> => {
      const r = await model.step(o);
      return { gradNorm: r.gradNorm, skipped: r.skipped };
    },
    zeroGrad: () => model.zeroGrad(),
    // Sampling with the adapter on; the stop token, when one ends the answer, is part of what is learned.
    generate: async (prompt, o) => {
      const r = await model.generate(prompt, { maxNewTokens: o.maxNewTokens, temperature: o.temperature, seed: o.seed, stop: o.stop, adapter: true, signal: o.signal });
      return r.tokens;
    },
    generateGroup: async (prompt, seeds, o) => {
      const r = await model.generateGroup(prompt, seeds, { maxNewTokens: o.maxNewTokens, temperature: o.temperature, stop: o.stop, adapter: true, signal: o.signal });
      return r.map((x) => x.tokens);
    },
    saveAdapter: (dir) => model.saveAdapter(dir),
    saveState: (file) => model.saveState(file, { rng: forwards }),
    loadState: async (file) => {
      forwards = (await model.loadState(file)).rng;
    },
    memory: () => {
      const m = model.memory();
      return { usedBytes: m.current.total, peakBytes: m.peak.total, plannedBytes: planned };
    },
    device: () => model.info().backend,
    close: () => model.close(),
  };
}
