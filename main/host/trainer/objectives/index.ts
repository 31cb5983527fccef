// Picks the run's objective from `objective:` and prepares what it needs before the first step (for DPO/IPO: the
// reference log-probs, computed once with the adapter off and cached in the run folder).
import { betaFor, type TrainingConfig } from '../../../api/training-config';
import { BatchSource, type TokenizedExample } from '../batches';
import { cptObjective } from './cpt';
import type { TrainableModel } from '../engine-port';
import type { JobData } from '../run-job';
import type { TrainObjective } from './objective';
import { PreferenceTrainObjective } from './preference';
import { needsReference } from './preference-loss';
import { KtoTrainObjective } from './kto';
import { loadOrComputeReference, referenceKey } from './reference-cache';
import { sftObjective } from './sft-objective';
import { grpoObjective } from './grpo-setup';

export interface PrepareInput {
  config: TrainingConfig;
  model: TrainableModel;
  /** The run folder ('' for none: nothing is cached). */
  runDir: string;
  data: JobData;
  train: BatchSource;
  validation?: BatchSource;
  log(message: string): void;
  signal?: AbortSignal;
}

export async function prepareObjective(p: PrepareInput): Promise<TrainObjective> {
  const { config } = p;
  // Continued pre-training is the SFT loss over windows whose every token is supervised (the data step makes them).
  if (config.objective === 'sft') return sftObjective;
  if (config.objective === 'cpt') {
    const probe = p.data.probe?.length
      ? new BatchSource(p.data.probe, { seqLen: config.seqLen, microBatch: config.microBatch, packing: false, seed: config.seed, padId: p.data.padId, shuffle: false })
      : null;
    return cptObjective(p.model, probe, p.log, p.signal);
  }
  if (config.objective === 'grpo') return grpoObjective(p);
  const name = config.objective;
  const params = { beta: betaFor(config), labelSmoothing: config.labelSmoothing, simpoGamma: config.simpoGamma };
  if (name !== 'kto' && !needsReference(name)) return new PreferenceTrainObjective(name, params, { train: null, validation: null });
  const key = referenceKey({ model: config.model, quant: config.quant, seqLen: config.seqLen, initAdapter: config.initAdapter ?? null }, p.data.train, p.data.validation);
  // The reference pass walks the data in file order (no shuffle), one row per answer.
  const ordered = (s: BatchSource, examples: number) => ({ source: s.unshuffled(), examples });
  const refs = await loadOrComputeReference(
    p.runDir,
    key,
    p.model,
    { train: ordered(p.train, p.data.train.length), ...(p.validation ? { validation: ordered(p.validation, p.data.validation.length) } : {}) },
    p.log,
    p.signal,
    // Called before a checkpoint's state is loaded, so the model holds the starting adapter (or a no-op one).
    Boolean(config.initAdapter),
  );
  if (refs.fromCache) p.log('reference log-probs read from the run folder (computed before the first step)');
  if (name === 'kto') {
    const labels = (xs: TokenizedExample[]) => xs.map((x, i) => {
      if (x.label === undefined) throw new Error(`kto: example ${i} has no label`);
      return x.label;
    });
    const { train, validation } = p.data;
    return new KtoTrainObjective(
      { beta: params.beta, desirableWeight: config.ktoDesirableWeight, undesirableWeight: config.ktoUndesirableWeight },
      { examples: train, labels: labels(train), ref: refs.train },
      refs.validation ? { examples: validation, labels: labels(validation), ref: refs.validation } : null,
      (examples) => p.train.over(examples),
    );
  }
  return new PreferenceTrainObjective(name, params, { train: refs.train, validation: refs.validation });
}
