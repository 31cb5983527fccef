// GRPO end to end on a tiny native model: a prompt file validated and rendered with the chat template, groups sampled
// with the engine's generation, rewards per function logged with a sample completion, and the same numbers on a rerun
// (sampling seeds come from the step, so a resumed run samples the same completions).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchSource, type TokenizedExample } from '../../main/host/trainer/batches';
import { createNativeTrainable } from '../../main/host/trainer/native-model';
import { GrpoTrainObjective } from '../../main/host/trainer/objectives/grpo';
import { rowSums } from '../../main/host/trainer/objectives/preference';
import { mixSeed } from '../../main/data/rng';
import { runTrainingJob } from '../../main/host/trainer/run-job';
import { loadTrainingData } from '../../main/host/trainer/training-data';
import type { StepMetrics } from '../../main/host/trainer/trainer';
import { resolveTrainingConfig } from '../../main/api/training-config';
import { createRunDir, readMetrics } from '../../main/runs/run-dir';
import { tempDir } from '../helpers/temp-dir';
import { tinyModel } from '../helpers/tiny-model';
import { adamw } from '../helpers/engine-options';

describe('grpo on the native engine', () => {
  it('samples groups, scores them, trains, and is reproducible', async () => {
    const root = tempDir();
    const file = join(root, 'sums.jsonl');
    const rows = Array.from({ length: 10 }, (_, i) => ({ prompt: `Add ${i} and ${i + 2}.`, answer: String(2 * i + 2) }));
    writeFileSync(file, [...rows.map((r) => JSON.stringify(r)), JSON.stringify({ prompt: 'No answer here.' })].join('\n') + '\n');
    const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const config = resolveTrainingConfig({
      model, dataset: file, objective: 'grpo', quant: 'none', seqLen: 64, microBatch: 2, gradAccum: 1, maxSteps: 3, warmupSteps: 1, learningRate: 3e-3,
      grpoGroupSize: 4, grpoMaxNewTokens: 6, rewards: ['numeric', 'length'], rewardWeights: [1, 0.5], lengthTarget: 8, evalEvery: 3, checkpointEverySteps: 0, checkpointEveryMinutes: 0, validationFraction: 0.2, threads: 2,
    });
    const run = async (name: string) => {
      const dir = join(root, name);
      await createRunDir(dir, config, { id: name, name, projectId: null, createdAt: new Date().toISOString() });
      const logs: string[] = [];
      const r = await runTrainingJob(dir, { loadData: loadTrainingData, createModel: createNativeTrainable, onLog: (m) => logs.push(m) });
      return { r, logs, metrics: readMetrics(dir) as unknown as StepMetrics[] };
    };
    const a = await run('a');
    expect(a.r.status).toBe('completed');
    // The row without an answer is listed, not dropped silently.
    expect(a.logs.join('\n')).toMatch(/10 prompts of 11 rows; 1 left out/);
    expect(a.logs.join('\n')).toMatch(/step 1 sample \(reward /);
    const step1 = a.metrics.find((m) => m.step === 1)!;
    for (const k of ['reward/mean', 'reward/std', 'completion/length', 'rewards/numeric/mean', 'rewards/length/mean']) expect(step1.extra?.[k], k).toEqual(expect.any(Number));
    // With beta 0.04 (the default) every step learns something: a finite loss and a non-zero gradient.
    expect(a.metrics.filter((m) => m.step > 0).every((m) => Number.isFinite(m.loss) && (m.gradNorm ?? 0) > 0)).toBe(true);
    expect(a.metrics.find((m) => m.step === 3)!.extra!['eval/reward/mean']).toEqual(expect.any(Number));
    const b = await run('b');
    const key = (m: StepMetrics) => [m.step, m.loss, m.extra?.['reward/mean'] ?? null, m.extra?.['completion/length'] ?? null];
    expect(b.metrics.map(key)).toEqual(a.metrics.map(key));
  });

  it('one step raises the log-probs of above-average completions and lowers the others', async () => {
    const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const m = await createNativeTrainable(resolveTrainingConfig({ model, dataset: 'unused', quant: 'none', seqLen: 32, threads: 2, loraR: 8 }));
    try {
      const prompt = { ids: [1, 5, 9, 13], answer: null };
      const src = new BatchSource([{ ids: prompt.ids, weights: [0, 0, 0, 0] }], { seqLen: 32, microBatch: 1, packing: false, seed: 1, shuffle: false, padId: 0 });
      // Rewards alternate 0, 1 over the group: advantages -, +, -, +, ...
      let n = 0;
      const env = {
        decode: (ids: number[]) => ids.join(','),
        stop: [],
        reward: () => ({ total: n % 2, parts: [n++ % 2] }),
        rewardNames: ['alternating'],
        batch: (xs: TokenizedExample[]) => src.over(xs, xs.length).next({ epoch: 0, index: 0 }).micro,
      };
      const obj = new GrpoTrainObjective({ groupSize: 8, maxNewTokens: 3, temperature: 1, clip: 0.2, beta: 0, norm: 'dapo', seed: 3 }, [prompt], [prompt], env);
      // The same completions the objective samples at step 1 (same seeds), to score before and after the update.
      const completions: number[][] = [];
      for (let g = 0; g < 8; g++) completions.push(await m.generate!(prompt.ids, { maxNewTokens: 3, temperature: 1, seed: mixSeed(mixSeed(3, 1), g), stop: [] }));
      const group = env.batch(completions.map((c) => ({ ids: [...prompt.ids, ...c], weights: [0, 0, 0, 0, ...c.map(() => 1)] })));
      const score = async () => rowSums(await m.forward(group.batch, { adapter: true, keepForBackward: false }), group).sums;
      const before = await score();
      await obj.accumulate(m, [src.next({ epoch: 0, index: 0 }).micro], { step: 1 });
      await m.step(adamw({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 }));
      const after = await score();
      for (let g = 0; g < 8; g++) expect(Math.sign(after[g] - before[g]), `completion ${g}`).toBe(g % 2 ? 1 : -1);
    } finally {
      await m.close();
    }
  });
});
