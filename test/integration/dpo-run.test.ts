// DPO in the real engine host on a tiny model: reference log-probs computed once (adapter off) and kept in the run
// folder, reward metrics per step, and exact resume after kill -9 (losses and rewards equal an uninterrupted run).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_FILE } from '../../main/host/trainer/objectives/reference-cache';
import { resolveTrainingConfig, type TrainingConfig } from '../../main/api/training-config';
import { readMetrics } from '../../main/runs/run-dir';
import { hostJobs, killHostAtStep, requireHostBuild } from '../helpers/host-jobs';
import { tempDir } from '../helpers/temp-dir';
import { tinyModel } from '../helpers/tiny-model';

const root = tempDir('lathe-dpo-');
let config: TrainingConfig;

beforeAll(async () => {
  requireHostBuild();
  const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 128, seed: 11 });
  const rows = readFileSync('assets/demo/contacts-preference.jsonl', 'utf8').split('\n').filter(Boolean).slice(0, 40);
  writeFileSync(join(root, 'pairs.jsonl'), rows.join('\n') + '\n');
  config = resolveTrainingConfig({ model, dataset: join(root, 'pairs.jsonl'), objective: 'dpo', seqLen: 256, microBatch: 2, gradAccum: 1, maxSteps: 10, warmupSteps: 1, learningRate: 0.003, evalEvery: 5, checkpointEverySteps: 2, checkpointEveryMinutes: 0, validationFraction: 0.1, quant: 'nf4', threads: 1 });
});

const jobs = (name: string) => hostJobs(root, name);

const byStep = (runDir: string) => Object.fromEntries(readMetrics(runDir).map((m) => [m.step as number, [m.loss, m.evalLoss ?? null, (m.extra as Record<string, number> | undefined)?.['rewards/margin'] ?? null]]));

describe('DPO run in the engine host', () => {
  let reference: Record<number, unknown>;

  it('completes with reward metrics, a cached reference and a positive held-out reward margin', async () => {
    const j = jobs('reference');
    const run = await j.create(config, { name: 'reference' });
    await j.idle();
    const done = j.get(run.id)!;
    expect(done).toMatchObject({ status: 'completed', step: 10 });
    reference = byStep(done.runDir);
    expect(existsSync(join(done.runDir, REFERENCE_FILE))).toBe(true);
    const evals = readMetrics(done.runDir).filter((m) => typeof m.evalLoss === 'number').map((m) => m.extra as Record<string, number>);
    expect(evals[0]['eval/rewards/accuracy']).toBe(0);
    expect(evals.at(-1)!['eval/rewards/margin']).toBeGreaterThan(0);
  });

  it('resumes exactly after kill -9, reusing the cached reference log-probs', async () => {
    const j = jobs('killed');
    const run = await j.create(config, { name: 'killed' });
    const at = 3 + Math.floor(Math.random() * 5);
    await killHostAtStep(j, run.id, at);
    expect(j.get(run.id)!.status, `killed at step ${at}`).toBe('interrupted');
    j.resume(run.id);
    await j.idle();
    const done = j.get(run.id)!;
    expect(done.status).toBe('completed');
    expect(byStep(done.runDir)).toEqual(reference);
    const log = readFileSync(join(done.runDir, 'log.txt'), 'utf8');
    expect(log.match(/reference log-probs \(adapter off\) for/g)?.length).toBe(1);
    expect(log).toContain('reference log-probs read from the run folder');
  });
});
