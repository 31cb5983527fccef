// The native engine as the trainer's TrainableModel: loads the base model with a fresh LoRA adapter from the run's
// config, and derives each training forward's dropout seed from (seed, forward count) so a resumed run draws the same
// dropout masks; the count travels in the engine state file's RNG word.
import { openEngine, type EngineModel } from '../../engine/engine';
import { parseDevice } from '../../engine/device';
import { LatheError } from '../../api/errors';
import type { TrainingConfig } from '../../training/config';
import type { StepResult, TrainBatch, TrainableModel } from './engine-port';
import { mixSeed } from './rng';

export interface NativeTrainable extends TrainableModel {
  model: EngineModel;
  close(): Promise<void>;
}

export async function createNativeTrainable(config: TrainingConfig): Promise<NativeTrainable> {
  const engine = openEngine({ threads: config.threads });
  const model = await engine.loadModel(config.model, {
    quant: config.quant,
    maxSeqLen: config.seqLen + 1,
    device: parseDevice(config.device, 'device'),  // the engine rejects a backend this build lacks, naming the choices
    lora: { r: config.loraR, alpha: config.loraAlpha, dropout: config.loraDropout, rslora: config.rslora, targets: config.loraTargets, seed: config.seed },
  });
  const planned = model.planTrain({ batch: config.microBatch, seqLen: config.seqLen }).total;
  let forwards = 0;
  const forward = (b: TrainBatch, adapter: boolean, signal?: AbortSignal) => {
    if (!adapter) throw new LatheError('engine.unsupported', 'Scoring with the adapter off during training is not supported by this engine build.', 'Report this as a bug.');
    forwards++;
    return model.forward({ tokens: b.tokens, targets: b.targets, batch: b.batch, positions: b.positions, segments: b.segments }, { dropoutSeed: mixSeed(config.seed, forwards), signal });
  };
  return {
    model,
    forward: (b, opts) => forward(b, opts.adapter, opts.signal),
    backward: (seeds, opts) => model.backward(seeds, { signal: opts?.signal }),
    step: async (o): Promise<StepResult> => {
      const r = await model.step({ lr: o.lr, betas: [o.beta1, o.beta2], eps: o.eps, weightDecay: o.weightDecay, maxGradNorm: o.maxGradNorm });
      return { gradNorm: r.gradNorm, skipped: r.skipped };
    },
    zeroGrad: () => model.zeroGrad(),
    saveAdapter: (dir) => model.saveAdapter(dir),
    saveState: (file) => model.saveState(file, { rng: forwards }),
    loadState: async (file) => {
      forwards = (await model.loadState(file)).rng;
    },
    memory: () => {
      const m = model.memory();
      return { usedBytes: m.current.total, peakBytes: m.peak.total, plannedBytes: planned };
    },
    close: () => model.close(),
  };
}
