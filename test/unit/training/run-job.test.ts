// A training job against a real run folder (pure-TS model): completion, pause and exact resume, damaged checkpoints.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrainingJob, type RunJobDeps } from '../../../main/host/trainer/run-job';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { createRunDir, readMetrics, readRunProgress } from '../../../main/runs/run-dir';
import { tempDir } from '../../helpers/temp-dir';
import { ToyModel, toyExamples } from '../../helpers/toy-model';

const V = 12;
const config = resolveTrainingConfig({ model: 'toy', dataset: 'toy', seqLen: 16, microBatch: 2, gradAccum: 2, learningRate: 0.05, warmupSteps: 2, maxSteps: 20, evalEvery: 5, checkpointEverySteps: 4, checkpointEveryMinutes: 0, keepCheckpoints: 2 });

async function newRun(root: string, name: string): Promise<string> {
  const dir = join(root, name);
  await createRunDir(dir, config, { id: name, name, projectId: null, createdAt: new Date().toISOString() });
  return dir;
}

function deps(extra: Partial<RunJobDeps> = {}): RunJobDeps {
  return {
    loadData: async () => ({ train: toyExamples(40, V), validation: toyExamples(6, V, 99), padId: 0 }),
    createModel: async () => new ToyModel(V, 4),
    ...extra,
  };
}

const losses = (dir: string) => readMetrics(dir).map((m) => m.loss);

describe('training job', () => {
  const root = tempDir();

  it('runs to completion: metrics per step, pruned checkpoints, final adapter, status file', async () => {
    const dir = await newRun(root, 'full');
    const r = await runTrainingJob(dir, deps());
    expect(r.status).toBe('completed');
    expect(readMetrics(dir).map((m) => m.step)).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(readdirSync(join(dir, 'checkpoints')).length).toBeLessThanOrEqual(3);
    expect(existsSync(join(dir, 'adapter', 'toy_adapter.json'))).toBe(true);
    expect(readRunProgress(dir)).toMatchObject({ status: 'completed', step: 20, totalSteps: 20, hostPid: null });
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toContain('completed 20 steps');
  });

  it('pauses with a checkpoint and resumes to the same losses as an uninterrupted run', async () => {
    const reference = await newRun(root, 'reference');
    await runTrainingJob(reference, deps());
    const dir = await newRun(root, 'paused');
    const abort = new AbortController();
    const first = await runTrainingJob(dir, deps({ signal: abort.signal, onMetrics: (m) => m.step === 9 && abort.abort('pause') }));
    expect(first.status).toBe('paused');
    expect(readRunProgress(dir)?.status).toBe('paused');
    const second = await runTrainingJob(dir, deps());
    expect(second).toMatchObject({ status: 'completed', resumedFrom: 9 });
    expect(losses(dir)).toEqual(losses(reference));
  });

  it('resumes after a crash from the last periodic checkpoint, dropping metric lines past it', async () => {
    const reference = await newRun(root, 'ref2');
    await runTrainingJob(reference, deps());
    const dir = await newRun(root, 'crashed');
    // A "crash" right after step 10: the process vanishes without its stop checkpoint (last periodic one: step 8).
    const crash = new Error('simulated crash');
    await expect(runTrainingJob(dir, deps({ onMetrics: (m) => { if (m.step === 10) throw crash; } }))).rejects.toBe(crash);
    expect(readMetrics(dir).length).toBe(11);
    const r = await runTrainingJob(dir, deps());
    expect(r.resumedFrom).toBe(8);
    expect(losses(dir)).toEqual(losses(reference));
  });

  it('falls back to the previous checkpoint when the newest is damaged, and says so in the log', async () => {
    const dir = await newRun(root, 'damaged');
    const abort = new AbortController();
    await runTrainingJob(dir, deps({ signal: abort.signal, onMetrics: (m) => m.step === 10 && abort.abort('pause') }));
    const ckpts = readdirSync(join(dir, 'checkpoints')).sort();
    const newest = join(dir, 'checkpoints', ckpts[ckpts.length - 1], 'engine_state.bin');
    const bytes = readFileSync(newest);
    bytes[10] ^= 0xff;
    writeFileSync(newest, bytes);
    const r = await runTrainingJob(dir, deps());
    expect(r.resumedFrom).toBe(8);
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toMatch(/step 10 is damaged \(engine_state\.bin fails its sha256 checksum\)/);
  });

  it('records a failure with its message and hint in the status file', async () => {
    const dir = await newRun(root, 'failing');
    const boom = Object.assign(new Error('out of memory allocating activations'), { code: 'engine.oom', hint: 'Lower microBatch or seqLen.' });
    await expect(runTrainingJob(dir, deps({ createModel: async () => { throw boom; } }))).rejects.toBe(boom);
    expect(readRunProgress(dir)).toMatchObject({ status: 'failed', error: { code: 'engine.oom', message: expect.stringContaining('out of memory'), hint: 'Lower microBatch or seqLen.' } });
  });
});
