// Preference objectives in the training loop on the pure-TS model: LoRA gradients checked by finite differences,
// DPO raising held-out reward accuracy and margin, and the run job's reference cache with exact resume.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchSource, type TokenizedExample } from '../../../main/host/trainer/batches';
import { epochMicros } from '../../../main/host/trainer/objectives/objective';
import { PreferenceTrainObjective } from '../../../main/host/trainer/objectives/preference';
import { referenceLogps, REFERENCE_FILE } from '../../../main/host/trainer/objectives/reference-cache';
import { runTrainingJob, type RunJobDeps } from '../../../main/host/trainer/run-job';
import { train, type StepMetrics } from '../../../main/host/trainer/trainer';
import { mulberry32 } from '../../../main/data/rng';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { createRunDir, readMetrics } from '../../../main/runs/run-dir';
import { tempDir } from '../../helpers/temp-dir';
import { ToyModel } from '../../helpers/toy-model';

const V = 12;

/** Pairs flattened (chosen, rejected): a 2-token prompt, then the chosen answer follows x -> 3x+1, the rejected x -> 5x+2. */
function toyPairs(n: number, seed: number): TokenizedExample[] {
  const rand = mulberry32(seed);
  const out: TokenizedExample[] = [];
  for (let k = 0; k < n; k++) {
    const prompt = [Math.floor(rand() * V), Math.floor(rand() * V)];
    const len = 3 + Math.floor(rand() * 5);
    for (const rule of [(x: number) => (x * 3 + 1) % V, (x: number) => (x * 5 + 2) % V]) {
      const ids = [...prompt];
      for (let i = 0; i < len; i++) ids.push(rule(ids[ids.length - 1]));
      out.push({ ids, weights: ids.map((_, i) => (i < 2 ? 0 : 1)) });
    }
  }
  return out;
}

const pairSource = (ex: TokenizedExample[], shuffle: boolean) => new BatchSource(ex, { seqLen: 16, microBatch: 2, packing: false, seed: 5, shuffle, padId: 0, group: 2 });
const params = { beta: 0.5, labelSmoothing: 0.05, simpoGamma: 0.3 };
type Grads = { gA: Float64Array; gB: Float64Array };

describe('preference objectives in training', () => {
  it('keeps pairs whole and together when shuffling', () => {
    const src = pairSource(toyPairs(9, 1), true);
    let cursor = { epoch: 0, index: 0 };
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = src.next(cursor);
      cursor = r.cursor;
      const ex = [...r.micro.examples];
      for (let k = 0; k < ex.length; k += 2) expect([ex[k] % 2, ex[k + 1]]).toEqual([0, ex[k] + 1]);
      seen.push(...ex);
    }
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 18 }, (_, i) => i));
  });

  it('LoRA gradients of every objective match finite differences of its loss', async () => {
    const data = toyPairs(3, 2);
    for (const name of ['dpo', 'ipo', 'orpo', 'simpo'] as const) {
      const model = new ToyModel(V, 3, 2, 4);
      const rand = mulberry32(9);
      for (let i = 0; i < model.B.length; i++) model.B[i] = (rand() - 0.5) * 0.5; // away from the no-op start
      const ordered = pairSource(data, false);
      const ref = await referenceLogps(model, ordered, data.length);
      const obj = new PreferenceTrainObjective(name, params, { train: ref, validation: ref });
      const micros = [...epochMicros(ordered)];
      const lossAt = async () => (await obj.evaluate(model, ordered)).loss;
      await model.zeroGrad();
      const analytic = await obj.accumulate(model, micros, { step: 1 });
      // evaluate() averages pairs over the whole set, as accumulate() does over the step: the same loss.
      expect(analytic.loss).toBeCloseTo(await lossAt(), 6);
      const g = model as unknown as Grads;
      const h = 1e-4;
      for (const [param, grad] of [[model.B, g.gB], [model.A, g.gA]] as const) {
        for (const j of [1, 7, 13, 22]) {
          const keep = param[j];
          param[j] = keep + h;
          const up = await lossAt();
          param[j] = keep - h;
          const down = await lossAt();
          param[j] = keep;
          const fd = (up - down) / (2 * h);
          expect(Math.abs(grad[j] - fd)).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
        }
      }
    }
  });

  it('DPO raises reward accuracy and margin on held-out pairs', async () => {
    const model = new ToyModel(V, 4, 2, 3);
    const trainSet = toyPairs(30, 11);
    const heldOut = toyPairs(10, 12);
    const [tr, va] = [pairSource(trainSet, true), pairSource(heldOut, false)];
    const refs = { train: await referenceLogps(model, tr.unshuffled(), trainSet.length), validation: await referenceLogps(model, va, heldOut.length) };
    const config = resolveTrainingConfig({ model: 'toy', dataset: 'toy', objective: 'dpo', seqLen: 16, microBatch: 2, gradAccum: 2, learningRate: 0.05, warmupSteps: 2, maxSteps: 30, evalEvery: 30, checkpointEverySteps: 0, checkpointEveryMinutes: 0 });
    const evals: StepMetrics[] = [];
    await train({ model, train: tr, validation: va, config, totalSteps: 30, objective: new PreferenceTrainObjective('dpo', { beta: 0.1, labelSmoothing: 0, simpoGamma: 0 }, refs), hooks: { onStep: (m) => { if (m.evalLoss !== undefined) evals.push(m); } } });
    const [before, after] = [evals[0].extra!, evals[evals.length - 1].extra!];
    expect(before['eval/rewards/accuracy']).toBe(0); // the fresh adapter equals the reference: every reward is 0
    expect(after['eval/rewards/accuracy']).toBeGreaterThanOrEqual(0.9);
    expect(after['eval/rewards/margin']).toBeGreaterThan(before['eval/rewards/margin'] + 0.1);
    expect(evals[evals.length - 1].evalLoss!).toBeLessThan(evals[0].evalLoss!);
  });
});

describe('a DPO training job', () => {
  const root = tempDir();
  const config = resolveTrainingConfig({ model: 'toy', dataset: 'toy', objective: 'dpo', seqLen: 16, microBatch: 2, gradAccum: 2, learningRate: 0.05, warmupSteps: 2, maxSteps: 12, evalEvery: 4, checkpointEverySteps: 3, checkpointEveryMinutes: 0 });
  const newRun = async (name: string) => {
    const dir = join(root, name);
    await createRunDir(dir, config, { id: name, name, projectId: null, createdAt: new Date().toISOString() });
    return dir;
  };
  const models: ToyModel[] = [];
  const deps = (extra: Partial<RunJobDeps> = {}): RunJobDeps => ({
    loadData: async () => ({ train: toyPairs(16, 21), validation: toyPairs(4, 22), padId: 0, group: 2 }),
    createModel: async () => {
      const m = new ToyModel(V, 4);
      models.push(m);
      return m;
    },
    ...extra,
  });

  it('logs the reward metrics per step, caches the reference log-probs once and resumes exactly', async () => {
    const reference = await newRun('dpo-ref');
    await runTrainingJob(reference, deps());
    const metrics = readMetrics(reference) as unknown as StepMetrics[];
    const step5 = metrics.find((m) => m.step === 5)!;
    for (const k of ['rewards/chosen', 'rewards/rejected', 'rewards/accuracy', 'rewards/margin', 'logps/chosen', 'logps/rejected']) expect(step5.extra?.[k]).toEqual(expect.any(Number));
    expect(metrics.find((m) => m.step === 4)!.extra!['eval/rewards/accuracy']).toEqual(expect.any(Number));
    expect(existsSync(join(reference, REFERENCE_FILE))).toBe(true);

    const dir = await newRun('dpo-paused');
    const abort = new AbortController();
    const first = await runTrainingJob(dir, deps({ signal: abort.signal, onMetrics: (m) => m.step === 7 && abort.abort('pause') }));
    expect(first.status).toBe('paused');
    const cached = readFileSync(join(dir, REFERENCE_FILE), 'utf8');
    const before = models.length;
    const second = await runTrainingJob(dir, deps());
    expect(second).toMatchObject({ status: 'completed', resumedFrom: 7 });
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toContain('reference log-probs read from the run folder');
    expect(readFileSync(join(dir, REFERENCE_FILE), 'utf8')).toBe(cached);
    expect(models.length).toBe(before + 1);
    // The resumed half trains to the same numbers as the uninterrupted run.
    expect((readMetrics(dir) as unknown as StepMetrics[]).map((m) => [m.loss, m.extra?.['rewards/margin']])).toEqual(metrics.map((m) => [m.loss, m.extra?.['rewards/margin']]));
  });
});
