// The training loop: micro-batches with gradient accumulation, the LR schedule, a pluggable objective (SFT by
// default; objectives/), the numerics guard, periodic evaluation and checkpoint hooks. All of its state is {step, cursor, counters}; with the engine's own state
// (LoRA, Adam moments, RNG) that is everything needed for an exact resume.
import { LatheError } from '../../api/errors';
import type { TrainingConfig } from '../../api/training-config';
import { learningRateAt } from '../../runs/schedule';
import type { BatchSource, DataCursor } from './batches';
import { optimizerOptions } from './engine-options-from-config';
import type { TrainableModel } from './engine-port';
import type { TrainObjective } from './objectives/objective';
import { sftObjective } from './objectives/sft-objective';
import type { StepMetrics } from '../../api/run-types';
export type { StepMetrics };

export interface TrainerState {
  /** Optimizer steps completed (including skipped ones: the schedule moves on). */
  step: number;
  cursor: DataCursor;
  skippedNonFinite: number;
  skippedEmpty: number;
  /** Non-finite steps in a row up to now (absent in checkpoints written before it existed: 0). */
  nonFiniteStreak?: number;
  tokensSeen: number;
  bestEvalLoss: number | null;
}

export const initialTrainerState = (): TrainerState => ({ step: 0, cursor: { epoch: 0, index: 0 }, skippedNonFinite: 0, skippedEmpty: 0, tokensSeen: 0, bestEvalLoss: null });

export interface TrainerHooks {
  onStep?(m: StepMetrics, state: TrainerState): void | Promise<void>;
  /** Called when a checkpoint is due (by steps or minutes) and after the last step. */
  checkpoint?(state: TrainerState, reason: 'steps' | 'minutes' | 'final' | 'stop', evalLoss: number | null): Promise<void>;
  /** Test hook: lets a test corrupt a step's log-probs (NaN injection). */
  filterLogp?(step: number, logp: Float32Array): Float32Array;
  now?(): number;
}

export interface TrainerOptions {
  model: TrainableModel;
  train: BatchSource;
  validation?: BatchSource;
  config: TrainingConfig;
  totalSteps: number;
  /** What the loss is; SFT when absent. */
  objective?: TrainObjective;
  hooks?: TrainerHooks;
  /** Aborting stops after the current step ('stop' checkpoint): pause and cancel both use it. */
  signal?: AbortSignal;
}

export function totalStepsFor(config: TrainingConfig, train: BatchSource): number {
  if (config.maxSteps) return config.maxSteps;
  return Math.max(1, Math.ceil((config.epochs * train.microBatchesPerEpoch()) / config.gradAccum));
}

/** Mean SFT loss and perplexity over the whole validation set, adapter on. */
export async function evaluate(model: TrainableModel, validation: BatchSource, signal?: AbortSignal): Promise<{ loss: number; perplexity: number }> {
  return sftObjective.evaluate(model, validation, signal);
}

export async function train(opts: TrainerOptions, start: TrainerState = initialTrainerState()): Promise<TrainerState> {
  const { model, train: source, config, hooks = {}, signal } = opts;
  const objective = opts.objective ?? sftObjective;
  const now = hooks.now ?? (() => performance.now());
  const state: TrainerState = { ...start, cursor: { ...start.cursor } };
  let lastCheckpointAt = now();
  if (state.step === 0 && opts.validation && config.evalEvery > 0) {
    // The baseline: validation loss before any update (the adapter starts as a no-op), reported as step 0.
    const ev = await objective.evaluate(model, opts.validation, signal);
    await hooks.onStep?.({ step: 0, epoch: 0, loss: null, lr: 0, gradNorm: null, tokens: 0, tokensPerSecond: 0, evalLoss: ev.loss, evalPerplexity: ev.perplexity, ...(ev.metrics ? { extra: ev.metrics } : {}) }, state);
  }
  while (state.step < opts.totalSteps) {
    if (signal?.aborted) {
      await hooks.checkpoint?.(state, 'stop', null);
      return state;
    }
    const started = now();
    const lr = learningRateAt(state.step, opts.totalSteps, config);
    // Gather the step's micro-batches first: the loss is normalised by the supervised tokens of the whole step.
    const micros = [];
    let cursor = state.cursor;
    for (let i = 0; i < config.gradAccum; i++) {
      const r = source.next(cursor);
      micros.push(r.micro);
      cursor = r.cursor;
    }
    const tokens = micros.reduce((s, m) => s + m.tokens, 0);
    const metrics: StepMetrics = { step: state.step + 1, epoch: cursor.epoch, loss: null, lr, gradNorm: null, tokens, tokensPerSecond: 0 };
    const filterLogp = hooks.filterLogp;
    const stepNo = state.step + 1;
    const result = await objective.accumulate(model, micros, { step: stepNo, signal, ...(filterLogp ? { filterLogp: (l: Float32Array) => filterLogp(stepNo, l) } : {}) });
    if (result.metrics) metrics.extra = result.metrics;
    if (result.empty) {
      // Nothing to learn from: a mean over zero tokens is NaN, so the step is skipped and counted, never averaged in.
      metrics.skipped = 'no-supervised-tokens';
      state.skippedEmpty++;
    } else {
      const loss = result.loss;
      metrics.loss = loss;
      if (!Number.isFinite(loss)) {
        await model.zeroGrad();
        metrics.skipped = 'non-finite';
        state.skippedNonFinite++;
      } else {
        const r = await model.step(optimizerOptions(config, lr));
        metrics.gradNorm = r.gradNorm;
        if (r.skipped) {
          metrics.skipped = 'non-finite';
          state.skippedNonFinite++;
        }
      }
    }
    if (metrics.skipped === 'non-finite') state.nonFiniteStreak = (state.nonFiniteStreak ?? 0) + 1;
    else if (!metrics.skipped) state.nonFiniteStreak = 0;
    state.step++;
    state.cursor = cursor;
    state.tokensSeen += tokens;
    const seconds = Math.max(1e-9, (now() - started) / 1000);
    metrics.tokensPerSecond = tokens / seconds;
    const mem = model.memory?.();
    if (mem) {
      metrics.memoryBytes = mem.peakBytes;
      metrics.plannedBytes = mem.plannedBytes;
    }
    let evalLoss: number | null = null;
    if (opts.validation && config.evalEvery > 0 && (state.step % config.evalEvery === 0 || state.step === opts.totalSteps)) {
      const ev = await objective.evaluate(model, opts.validation, signal);
      evalLoss = ev.loss;
      metrics.evalLoss = ev.loss;
      metrics.evalPerplexity = ev.perplexity;
      if (ev.metrics) metrics.extra = { ...metrics.extra, ...ev.metrics };
      if (Number.isFinite(ev.loss) && (state.bestEvalLoss === null || ev.loss < state.bestEvalLoss)) state.bestEvalLoss = ev.loss;
    }
    await hooks.onStep?.(metrics, state);
    const streak = state.nonFiniteStreak ?? 0;
    if (config.maxBadSteps > 0 && streak >= config.maxBadSteps) {
      // Skipped steps changed no weight, so the last checkpoint is good; a checkpoint now would only move the data
      // cursor past the batches that diverged.
      throw new LatheError(
        'train.diverged',
        `Training diverged: ${streak} steps in a row (steps ${state.step - streak + 1}-${state.step}) had a non-finite loss or gradient`,
        'Resume from the last checkpoint with a lower learningRate (half is a good start) or a smaller maxGradNorm, and check the data for extreme examples; maxBadSteps sets how many such steps in a row are tolerated.',
      );
    }
    if (state.step === opts.totalSteps) {
      await hooks.checkpoint?.(state, 'final', evalLoss);
    } else if (config.checkpointEverySteps > 0 && state.step % config.checkpointEverySteps === 0) {
      await hooks.checkpoint?.(state, 'steps', evalLoss);
      lastCheckpointAt = now();
    } else if (config.checkpointEveryMinutes > 0 && now() - lastCheckpointAt >= config.checkpointEveryMinutes * 60_000) {
      await hooks.checkpoint?.(state, 'minutes', evalLoss);
      lastCheckpointAt = now();
    }
  }
  return state;
}
