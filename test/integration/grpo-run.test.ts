// GRPO in the real engine host on a tiny model: exact resume after kill -9. Sampling seeds derive from the step (kept
// in the checkpoint's trainer state), so the resumed run samples, scores and learns exactly as an uninterrupted one.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveTrainingConfig, type TrainingConfig } from '../../main/api/training-config';
import { readMetrics } from '../../main/runs/run-dir';
import { hostJobs, killHostAtStep, requireHostBuild } from '../helpers/host-jobs';
import { tempDir } from '../helpers/temp-dir';
import { tinyModel } from '../helpers/tiny-model';

const root = tempDir('lathe-grpo-');
let config: TrainingConfig;

beforeAll(async () => {
  requireHostBuild();
  const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 128, seed: 11 });
  const rows = Array.from({ length: 12 }, (_, i) => JSON.stringify({ prompt: `What is ${i} plus ${i % 4}?`, answer: String(i + (i % 4)) }));
  writeFileSync(join(root, 'prompts.jsonl'), rows.join('\n') + '\n');
  config = resolveTrainingConfig({
    model, dataset: join(root, 'prompts.jsonl'), objective: 'grpo', seqLen: 64, microBatch: 2, gradAccum: 1, maxSteps: 8, warmupSteps: 1, learningRate: 0.003,
    grpoGroupSize: 4, grpoMaxNewTokens: 6, grpoTemperature: 1, rewards: ['numeric', 'length'], lengthTarget: 8, evalEvery: 4, checkpointEverySteps: 2, checkpointEveryMinutes: 0, validationFraction: 0.2, quant: 'nf4', threads: 1,
  });
});

const jobs = (name: string) => hostJobs(root, name);

const byStep = (runDir: string) => Object.fromEntries(readMetrics(runDir).map((m) => [m.step as number, [m.loss, m.evalLoss ?? null, (m.extra as Record<string, number> | undefined)?.['reward/mean'] ?? null]]));

describe('GRPO run in the engine host', () => {
  it('resumes exactly after kill -9 (same samples, rewards and losses)', async () => {
    const ref = jobs('reference');
    const r0 = await ref.create(config, { name: 'reference' });
    await ref.idle();
    expect(ref.get(r0.id)!.status).toBe('completed');
    const reference = byStep(ref.get(r0.id)!.runDir);

    const j = jobs('killed');
    const run = await j.create(config, { name: 'killed' });
    const at = 3 + Math.floor(Math.random() * 4);
    await killHostAtStep(j, run.id, at);
    expect(j.get(run.id)!.status, `killed at step ${at}`).toBe('interrupted');
    j.resume(run.id);
    await j.idle();
    const done = j.get(run.id)!;
    expect(done.status).toBe('completed');
    expect(byStep(done.runDir)).toEqual(reference);
  });
});
