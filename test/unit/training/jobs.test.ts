// The job manager: queueing one job at a time, metrics into SQLite, pause/resume to identical losses, cancel, and
// runs left 'running' by a dead app marked interrupted and resumable.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibraryDb } from '../../../main/library/db';
import { RunsRepo } from '../../../main/library/runs-repo';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { TrainingJobs } from '../../../main/runs/jobs';
import { tempDir } from '../../helpers/temp-dir';
import { toyHostSpawner } from '../../helpers/toy-host';

const config = resolveTrainingConfig({ model: 'toy', dataset: 'toy', seqLen: 16, microBatch: 2, gradAccum: 2, learningRate: 0.05, warmupSteps: 2, maxSteps: 16, evalEvery: 4, checkpointEverySteps: 4, checkpointEveryMinutes: 0 });

function setup(spawn = toyHostSpawner()) {
  const root = tempDir();
  const db = openLibraryDb(join(root, 'lib.sqlite'));
  const statuses: string[] = [];
  const jobs = new TrainingJobs(db, join(root, 'runs'), spawn, { onStatus: (r) => statuses.push(`${r.name}:${r.status}`) });
  return { db, jobs, statuses };
}

describe('training jobs', () => {
  it('runs queued jobs one at a time and ingests their metrics', async () => {
    const { jobs, statuses } = setup();
    const a = await jobs.create(config, { name: 'a' });
    const b = await jobs.create(config, { name: 'b' });
    expect(jobs.get(b.id)?.status).toBe('queued');
    await jobs.idle();
    expect(jobs.get(a.id)).toMatchObject({ status: 'completed', step: 16, totalSteps: 16 });
    expect(jobs.get(b.id)?.status).toBe('completed');
    expect(statuses.indexOf('a:completed')).toBeLessThan(statuses.indexOf('b:running'));
    const metrics = jobs.metrics(a.id);
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(metrics.filter((m) => m.evalLoss !== null).length).toBe(5);
    expect(jobs.get(a.id)!.bestEvalLoss).toBeGreaterThan(0);
    expect(jobs.checkpoints(a.id).length).toBeGreaterThan(0);
  });

  it('pauses and resumes a run to the same losses as an uninterrupted one', async () => {
    const { jobs } = setup(toyHostSpawner({ stepDelayMs: 15 }));
    const ref = await jobs.create(config, { name: 'ref' });
    await jobs.idle();
    const run = await jobs.create(config, { name: 'paused' });
    await new Promise((r) => setTimeout(r, 120));
    jobs.pause(run.id);
    await jobs.idle();
    const paused = jobs.get(run.id)!;
    expect(paused.status).toBe('paused');
    expect(paused.step).toBeLessThan(16);
    jobs.resume(run.id);
    await jobs.idle();
    expect(jobs.get(run.id)!.status).toBe('completed');
    expect(jobs.metrics(run.id).map((m) => m.loss)).toEqual(jobs.metrics(ref.id).map((m) => m.loss));
  });

  it('queues a resume asked for while the paused job is still stopping', async () => {
    const { jobs } = setup(toyHostSpawner({ stepDelayMs: 15 }));
    const run = await jobs.create(config, { name: 'eager' });
    await new Promise((r) => setTimeout(r, 100));
    jobs.pause(run.id);
    expect(jobs.resume(run.id).status).toBe('queued');
    await jobs.idle();
    expect(jobs.get(run.id)).toMatchObject({ status: 'completed', step: 16 });
  });

  it('cancels a queued run without starting it', async () => {
    const { jobs } = setup();
    await jobs.create(config, { name: 'first' });
    const second = await jobs.create(config, { name: 'second' });
    expect(jobs.cancel(second.id).status).toBe('cancelled');
    await jobs.idle();
    expect(jobs.get(second.id)!.step).toBe(0);
  });

  it('marks runs left running by a dead process as interrupted, and they resume', async () => {
    const { db, jobs } = setup();
    const run = await jobs.create(config, { name: 'orphan' });
    await jobs.idle();
    // Simulate an app crash mid-run: the row says running with a PID that no longer exists.
    new RunsRepo(db).update(run.id, { status: 'running', hostPid: 2 ** 22 + 12345 });
    const fresh = new TrainingJobs(db, '', toyHostSpawner());
    expect(fresh.recoverInterrupted().map((r) => r.id)).toEqual([run.id]);
    expect(fresh.get(run.id)!.status).toBe('interrupted');
    fresh.resume(run.id);
    await fresh.idle();
    expect(fresh.get(run.id)!.status).toBe('completed');
  });
});
