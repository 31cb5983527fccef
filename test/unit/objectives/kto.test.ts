// KTO: the loss against hand-computed values and finite differences, the mismatched pairs behind its KL baseline,
// KTO rows in the data step, and a KTO run on the pure-TS model separating desirable from undesirable completions.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateFile } from '../../../main/data/validate';
import { BatchSource, type TokenizedExample } from '../../../main/host/trainer/batches';
import { KtoTrainObjective, ktoLoss, mismatchedPairs } from '../../../main/host/trainer/objectives/kto';
import { referenceLogps } from '../../../main/host/trainer/objectives/reference-cache';
import { mulberry32 } from '../../../main/data/rng';
import { train, type StepMetrics } from '../../../main/host/trainer/trainer';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { runTrainingJob } from '../../../main/host/trainer/run-job';
import { createRunDir, readMetrics } from '../../../main/runs/run-dir';
import { tempDir } from '../../helpers/temp-dir';
import { ToyModel } from '../../helpers/toy-model';

const p = { beta: 0.1, desirableWeight: 1, undesirableWeight: 1.5 };

describe('KTO loss', () => {
  it('matches hand-computed values: 1 - sigmoid(beta (r - z0)) for desirable, 1 - sigmoid(beta (z0 - r)) weighted for undesirable', () => {
    const d = ktoLoss(-10, -12, true, 0.5, p);
    expect(d.loss).toBeCloseTo(0.46257015465625045, 12);
    expect(d.reward).toBeCloseTo(0.2, 12);
    expect(ktoLoss(-10, -12, false, 0.5, p).loss).toBeCloseTo(0.8061447680156243, 12);
    // Equal policy and reference with z0 = 0: sigmoid(0) = 1/2 either way.
    expect(ktoLoss(-3, -3, true, 0, p).loss).toBeCloseTo(0.5, 14);
  });

  it('has the right derivative and stays finite at huge log-ratios', () => {
    const h = 1e-6;
    for (const desirable of [true, false]) {
      const g = ktoLoss(-7, -6.2, desirable, 0.3, { ...p, beta: 0.7 }).d;
      const fd = (ktoLoss(-7 + h, -6.2, desirable, 0.3, { ...p, beta: 0.7 }).loss - ktoLoss(-7 - h, -6.2, desirable, 0.3, { ...p, beta: 0.7 }).loss) / (2 * h);
      expect(g).toBeCloseTo(fd, 7);
      for (const r of [1e6, -1e6]) {
        const x = ktoLoss(r, 0, desirable, 0, p);
        expect([x.loss, x.d, x.reward].every(Number.isFinite)).toBe(true);
      }
    }
  });

  it('pairs each prompt with the next example\'s completion, keeping the completion\'s weights', () => {
    const a = { ids: [1, 2, 3, 10, 11], weights: [0, 0, 0, 1, 1] };
    const b = { ids: [4, 5, 20, 21, 22], weights: [0, 0, 1, 1, 1] };
    expect(mismatchedPairs([a, b])).toEqual([
      { ids: [1, 2, 3, 20, 21, 22], weights: [0, 0, 0, 1, 1, 1] },
      { ids: [4, 5, 10, 11], weights: [0, 0, 1, 1] },
    ]);
  });
});

describe('KTO rows', () => {
  it('are detected, normalised with their label, and bad labels listed', async () => {
    const file = join(tempDir(), 'kto.jsonl');
    const rows = [
      { prompt: 'Say hi.', completion: 'Hi!', label: true },
      { prompt: [{ role: 'user', content: 'Say hi.' }], completion: [{ role: 'assistant', content: 'Go away.' }], label: false },
      { prompt: 'Count.', completion: '1 2 3', label: 'yes' },
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await validateFile(file);
    expect(r.format).toBe('kto');
    expect(r.valid).toBe(2);
    expect(r.invalid).toEqual([{ line: 3, field: 'label', code: 'bad_label', reason: 'field "label" is "yes"; expected true (desirable) or false (undesirable)' }]);
  });
});

describe('KTO training', () => {
  const V = 12;
  /** Desirable completions follow x -> 3x+1, undesirable ones x -> 5x+2, after a 2-token prompt. */
  function toyKto(n: number, seed: number): TokenizedExample[] {
    const rand = mulberry32(seed);
    return Array.from({ length: n }, (_, k) => {
      const ids = [Math.floor(rand() * V), Math.floor(rand() * V)];
      const good = k % 2 === 0;
      for (let i = 0; i < 4; i++) ids.push(good ? (ids[ids.length - 1] * 3 + 1) % V : (ids[ids.length - 1] * 5 + 2) % V);
      return { ids, weights: ids.map((_, i) => (i < 2 ? 0 : 1)), label: good };
    });
  }

  it('raises the held-out reward of desirable completions above the undesirable ones', async () => {
    const model = new ToyModel(V, 4, 2, 3);
    const [trainSet, heldOut] = [toyKto(40, 31), toyKto(12, 32)];
    const opts = { seqLen: 16, microBatch: 4, packing: false, seed: 5, padId: 0 };
    const [tr, va] = [new BatchSource(trainSet, { ...opts, shuffle: true }), new BatchSource(heldOut, { ...opts, shuffle: false })];
    const data = async (xs: TokenizedExample[], s: BatchSource) => ({ examples: xs, labels: xs.map((x) => x.label!), ref: await referenceLogps(model, s.unshuffled(), xs.length) });
    const obj = new KtoTrainObjective({ beta: 0.5, desirableWeight: 1, undesirableWeight: 1 }, await data(trainSet, tr), await data(heldOut, va), (xs) => tr.over(xs));
    const config = resolveTrainingConfig({ model: 'toy', dataset: 'toy', objective: 'kto', seqLen: 16, microBatch: 4, gradAccum: 1, learningRate: 0.05, warmupSteps: 2, maxSteps: 30, evalEvery: 30, checkpointEverySteps: 0, checkpointEveryMinutes: 0 });
    const evals: StepMetrics[] = [];
    const steps: StepMetrics[] = [];
    await train({ model, train: tr, validation: va, config, totalSteps: 30, objective: obj, hooks: { onStep: (m) => { if (m.evalLoss !== undefined) evals.push(m); if (m.step > 0) steps.push(m); } } });
    expect(evals[0].extra!['eval/rewards/margin']).toBe(0);
    expect(evals.at(-1)!.extra!['eval/rewards/margin']).toBeGreaterThan(0.5);
    expect(evals.at(-1)!.evalLoss!).toBeLessThan(evals[0].evalLoss!);
    expect(steps.every((m) => Number.isFinite(m.extra!.kl) && m.extra!.kl >= 0)).toBe(true);
  });

  it('runs as a job: reference cached, kl and rewards logged per step', async () => {
    const dir = join(tempDir(), 'run');
    const config = resolveTrainingConfig({ model: 'toy', dataset: 'toy', objective: 'kto', seqLen: 16, microBatch: 2, gradAccum: 2, learningRate: 0.05, warmupSteps: 1, maxSteps: 6, evalEvery: 3, checkpointEverySteps: 3, checkpointEveryMinutes: 0 });
    await createRunDir(dir, config, { id: 'kto', name: 'kto', projectId: null, createdAt: new Date().toISOString() });
    const r = await runTrainingJob(dir, { loadData: async () => ({ train: toyKto(16, 41), validation: toyKto(4, 42), padId: 0 }), createModel: async () => new ToyModel(V, 4) });
    expect(r.status).toBe('completed');
    const m = readMetrics(dir) as unknown as StepMetrics[];
    expect(Object.keys(m.find((x) => x.step === 2)!.extra!).sort()).toEqual(['kl', 'logps/chosen', 'logps/rejected', 'rewards/chosen', 'rewards/margin', 'rewards/rejected']);
    expect(m.find((x) => x.step === 3)!.extra!['eval/kl']).toEqual(expect.any(Number));
  });

  it('needs two examples per step for its KL baseline', () => {
    expect(() => resolveTrainingConfig({ model: 'm', dataset: 'd', objective: 'kto', microBatch: 1, gradAccum: 1 })).toThrow(/kto needs at least 2 examples per step/);
  });
});
