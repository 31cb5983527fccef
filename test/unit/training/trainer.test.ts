// The training loop on a pure-TS model: learning, exact resume, numerics guard, empty batches, batching and packing.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchSource } from '../../../main/host/trainer/batches';
import { initialTrainerState, train, type StepMetrics, type TrainerState } from '../../../main/host/trainer/trainer';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { tempDir } from '../../helpers/temp-dir';
import { ToyModel, toyExamples } from '../../helpers/toy-model';

const V = 12;
const config = resolveTrainingConfig({ model: 'toy', dataset: 'toy', seqLen: 16, microBatch: 2, gradAccum: 2, learningRate: 0.05, warmupSteps: 2, maxSteps: 30, evalEvery: 10, checkpointEverySteps: 0, checkpointEveryMinutes: 0, schedule: 'cosine' });
const source = (packing = false, n = 40, seed = 7) => new BatchSource(toyExamples(n, V, seed), { seqLen: 16, microBatch: 2, packing, seed: 42, shuffle: true, padId: 0 });

async function run(steps: number, model: ToyModel, start?: TrainerState, extra: Partial<Parameters<typeof train>[0]['hooks']> = {}) {
  const losses: (number | null)[] = [];
  const metrics: StepMetrics[] = [];
  const state = await train({ model, train: source(), validation: source(false, 10, 99), config, totalSteps: 30, hooks: { onStep: (m) => { if (m.step === 0) return; losses.push(m.loss); metrics.push(m); }, ...extra } }, start);
  void steps;
  return { state, losses, metrics };
}

describe('trainer', () => {
  it('drives the SFT loss down and reports eval loss and perplexity, with a baseline eval at step 0', async () => {
    const baseline: StepMetrics[] = [];
    await train({ model: new ToyModel(V, 4), train: source(), validation: source(false, 10, 99), config: { ...config, maxSteps: 1 }, totalSteps: 1, hooks: { onStep: (m) => { baseline.push(m); } } });
    expect(baseline[0]).toMatchObject({ step: 0, loss: null, evalLoss: expect.any(Number) });
    const { losses, metrics, state } = await run(30, new ToyModel(V, 4));
    expect(state.step).toBe(30);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.5);
    const evals = metrics.filter((m) => m.evalLoss !== undefined);
    expect(evals.map((m) => m.step)).toEqual([10, 20, 30]);
    expect(evals[2].evalLoss!).toBeLessThan(evals[0].evalLoss!);
    expect(evals[2].evalPerplexity).toBeCloseTo(Math.exp(evals[2].evalLoss!));
  });

  it('a fresh adapter (B = 0) leaves log-probs unchanged', async () => {
    const m = new ToyModel(V, 4);
    const { micro } = source().next({ epoch: 0, index: 0 });
    const on = await m.forward(micro.batch, { adapter: true, keepForBackward: false });
    const off = await m.forward(micro.batch, { adapter: false, keepForBackward: false });
    expect([...on]).toEqual([...off]);
  });

  it('is deterministic and resumes exactly: save -> load -> continue equals an uninterrupted run', async () => {
    const full = await run(30, new ToyModel(V, 4));
    const again = await run(30, new ToyModel(V, 4));
    expect(again.losses).toEqual(full.losses);

    const dir = tempDir();
    const first = new ToyModel(V, 4);
    const abort = new AbortController();
    let saved: TrainerState | undefined;
    await train({ model: first, train: source(), validation: source(false, 10, 99), config, totalSteps: 30, signal: abort.signal, hooks: {
      onStep: (m) => { if (m.step === 13) abort.abort(); },
      checkpoint: async (s) => { saved = structuredClone(s); await first.saveState(join(dir, 'state.json')); },
    } });
    expect(saved?.step).toBe(13);
    const resumed = new ToyModel(V, 4); // same frozen base; the adapter and optimizer must come from the state file
    resumed.A.fill(0.123);
    await resumed.loadState(join(dir, 'state.json'));
    const rest = await run(30, resumed, saved);
    expect(rest.losses).toEqual(full.losses.slice(13));
  });

  it('skips a step whose loss is not finite, keeps the weights finite, and counts it', async () => {
    const model = new ToyModel(V, 4);
    const { state, metrics } = await run(30, model, undefined, { filterLogp: (step, logp) => (step === 5 ? logp.map(() => NaN) : logp) });
    expect(metrics[4]).toMatchObject({ step: 5, skipped: 'non-finite' });
    expect(state.skippedNonFinite).toBe(1);
    expect(model.weightsFinite()).toBe(true);
    expect(metrics[29].loss).toBeLessThan(metrics[0].loss!);
  });

  it('stops with a clear error after maxBadSteps non-finite steps in a row, without a checkpoint past the last good one', async () => {
    const model = new ToyModel(V, 4);
    const strict = { ...config, maxBadSteps: 3 };
    const seen: StepMetrics[] = [];
    const checkpoints: number[] = [];
    const nanFrom = (from: number) => (step: number, logp: Float32Array) => (step >= from ? logp.map(() => NaN) : logp);
    const run3 = train({ model, train: source(), config: strict, totalSteps: 30, hooks: { onStep: (m) => void seen.push(m), checkpoint: async (s) => void checkpoints.push(s.step), filterLogp: nanFrom(6) } });
    await expect(run3).rejects.toMatchObject({ code: 'train.diverged', message: expect.stringContaining('3 steps in a row (steps 6-8)'), hint: expect.stringMatching(/lower learningRate/) });
    expect(seen.at(-1)).toMatchObject({ step: 8, skipped: 'non-finite' });
    expect(checkpoints).toEqual([]);
    expect(model.weightsFinite()).toBe(true);
    // Isolated bad steps never add up to a streak, and 0 turns the guard off.
    const spotty = await train({ model: new ToyModel(V, 4), train: source(), config: strict, totalSteps: 30, hooks: { filterLogp: (step, l) => (step % 3 === 1 ? l.map(() => NaN) : l) } });
    expect(spotty).toMatchObject({ step: 30, skippedNonFinite: 10, nonFiniteStreak: 0 });
    const off = await train({ model: new ToyModel(V, 4), train: source(), config: { ...config, maxBadSteps: 0 }, totalSteps: 30, hooks: { filterLogp: nanFrom(6) } });
    expect(off).toMatchObject({ step: 30, skippedNonFinite: 25 });
  });

  it('skips a step with zero supervised tokens instead of averaging NaN into the run', async () => {
    const empty = toyExamples(8, V).map((e) => ({ ids: e.ids, weights: e.ids.map(() => 0) }));
    const src = new BatchSource(empty, { seqLen: 16, microBatch: 2, packing: false, seed: 1, shuffle: true, padId: 0 });
    const model = new ToyModel(V, 4);
    const metrics: StepMetrics[] = [];
    const state = await train({ model, train: src, config: { ...config, maxSteps: 3 }, totalSteps: 3, hooks: { onStep: (m) => { metrics.push(m); } } }, initialTrainerState());
    expect(metrics.every((m) => m.skipped === 'no-supervised-tokens' && m.loss === null)).toBe(true);
    expect(state.skippedEmpty).toBe(3);
    expect(model.weightsFinite()).toBe(true);
  });
});

describe('batches', () => {
  it('shuffles deterministically per epoch and walks every example once per epoch', () => {
    const src = source(false, 10);
    let cursor = { epoch: 0, index: 0 };
    const seen: number[][] = [];
    for (let i = 0; i < 5; i++) {
      const r = src.next(cursor);
      cursor = r.cursor;
      for (let b = 0; b < r.micro.batch.batch; b++) seen.push([...r.micro.batch.tokens.slice(b * 16, b * 16 + 4)]);
    }
    expect(seen.length).toBe(10);
    expect(src.next(cursor).cursor.epoch).toBe(1);
    const other = source(false, 10);
    expect([...other.next({ epoch: 0, index: 0 }).micro.batch.tokens]).toEqual([...src.next({ epoch: 0, index: 0 }).micro.batch.tokens]);
    expect([...src.next({ epoch: 1, index: 0 }).micro.batch.tokens]).not.toEqual([...src.next({ epoch: 0, index: 0 }).micro.batch.tokens]);
  });

  it('aligns targets and weights with the next token, and packs documents with their own segments and positions', () => {
    const ex = [{ ids: [5, 6, 7, 8], weights: [0, 0, 1, 1] }, { ids: [1, 2, 3], weights: [0, 1, 1] }];
    const pad = new BatchSource(ex, { seqLen: 8, microBatch: 2, packing: false, seed: 0, shuffle: false, padId: 0 }).next({ epoch: 0, index: 0 }).micro;
    expect([...pad.batch.tokens.slice(0, 8)]).toEqual([5, 6, 7, 8, 0, 0, 0, 0]);
    expect([...pad.batch.targets.slice(0, 8)]).toEqual([6, 7, 8, -1, -1, -1, -1, -1]);
    expect([...pad.weights.slice(0, 8)]).toEqual([0, 1, 1, 0, 0, 0, 0, 0]);
    expect(pad.supervised).toBe(4);
    const packed = new BatchSource(ex, { seqLen: 8, microBatch: 1, packing: true, seed: 0, shuffle: false, padId: 0 }).next({ epoch: 0, index: 0 }).micro;
    expect([...packed.batch.tokens]).toEqual([5, 6, 7, 8, 1, 2, 3, 0]);
    expect([...packed.batch.targets]).toEqual([6, 7, 8, -1, 2, 3, -1, -1]);
    expect([...packed.batch.segments!]).toEqual([0, 0, 0, 0, 1, 1, 1, -1]);
    expect([...packed.batch.positions!]).toEqual([0, 1, 2, 3, 0, 1, 2, 0]);
    expect([...packed.weights]).toEqual([0, 1, 1, 0, 1, 1, 0, 0]);
  });

  it('reports the epoch layout the run log prints: rows and padding with and without packing', () => {
    const ex = [4, 3, 6, 2].map((n) => ({ ids: Array.from({ length: n }, (_, i) => i + 1), weights: new Array<number>(n).fill(1) }));
    const packed = new BatchSource(ex, { seqLen: 8, microBatch: 1, packing: true, seed: 0, shuffle: false, padId: 0 });
    // Next-fit in order: [4, 3] [6, 2] -> 2 rows, 1 + 0 padding; unpacked: 4 rows, 4 + 5 + 2 + 6 padding.
    expect(packed.layout()).toEqual({ examples: 4, rows: 2, padding: 1, paddingUnpacked: 17 });
    expect(new BatchSource(ex, { seqLen: 8, microBatch: 1, packing: false, seed: 0, shuffle: false, padId: 0 }).layout()).toEqual({ examples: 4, rows: 4, padding: 17, paddingUnpacked: 17 });
  });
});
