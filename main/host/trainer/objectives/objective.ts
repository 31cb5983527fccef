// The pluggable part of the one training loop: an objective turns a step's micro-batches into a loss and per-token
// seeds (forward, then backward into the model's accumulated LoRA gradients), and evaluates a validation set.
// The loop around it (schedule, accumulation, numerics guard, checkpoints, resume) is the same for every objective.
import type { BatchSource, MicroBatch } from '../batches';
import type { TrainableModel } from '../engine-port';

export interface AccumulateContext {
  /** The optimizer step being computed (1-based): sampling seeds derive from it, so a resume samples the same. */
  step: number;
  signal?: AbortSignal;
  /** Test hook: lets a test corrupt the log-probs of a forward (NaN injection). */
  filterLogp?(logp: Float32Array): Float32Array;
}

export interface ObjectiveStep {
  /** The step's loss (NaN/Infinity make the loop skip the optimizer step). */
  loss: number;
  /** True when the step had nothing to learn: no forward/backward ran, the optimizer step is skipped. */
  empty: boolean;
  /** Objective-specific figures for the dashboard (e.g. rewards/accuracy), averaged over the step. */
  metrics?: Record<string, number>;
}

export interface ObjectiveEval {
  loss: number;
  perplexity: number;
  /** Keys are prefixed with "eval/" by the objective. */
  metrics?: Record<string, number>;
}

export interface TrainObjective {
  readonly name: string;
  /** Forward + backward over the step's micro-batches; gradients accumulate in the model. */
  accumulate(model: TrainableModel, micros: MicroBatch[], ctx: AccumulateContext): Promise<ObjectiveStep>;
  /** The objective's loss (and metrics) over a whole validation set, adapter on. */
  evaluate(model: TrainableModel, validation: BatchSource, signal?: AbortSignal): Promise<ObjectiveEval>;
}

/** Every micro-batch of epoch 0 of a source, in order (evaluation and reference passes). */
export function* epochMicros(source: BatchSource): Generator<MicroBatch> {
  let cursor = { epoch: 0, index: 0 };
  const rows = source.rowsPerEpoch();
  while (cursor.epoch === 0 && cursor.index < rows) {
    const r = source.next(cursor);
    cursor = r.cursor;
    yield r.micro;
  }
}
