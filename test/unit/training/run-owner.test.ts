// One owner per run: two job managers on one library (two `lathe serve`, or two `lathe train --resume`) never train
// the same run folder; the non-owner's resume, pause and cancel are refused naming the owner; stale locks are taken over.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibraryDb } from '../../../main/library/db';
import { acquireLock, newOwner, ownerAlive, processStartTime, readLock } from '../../../main/library/owner-lock';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { TrainingJobs } from '../../../main/runs/jobs';
import { readMetrics, runFiles } from '../../../main/runs/run-dir';
import { tempDir } from '../../helpers/temp-dir';
import { toyHostSpawner } from '../../helpers/toy-host';

const config = resolveTrainingConfig({ model: 'toy', dataset: 'toy', seqLen: 16, microBatch: 2, gradAccum: 2, learningRate: 0.05, warmupSteps: 2, maxSteps: 16, evalEvery: 4, checkpointEverySteps: 4, checkpointEveryMinutes: 0 });

/** Two app instances on one LATHE_HOME: one database file, one runs folder, two owners. */
function twoInstances() {
  const root = tempDir();
  const make = (label: string) => new TrainingJobs(openLibraryDb(join(root, 'lib.sqlite')), join(root, 'runs'), toyHostSpawner({ stepDelayMs: 15 }), {}, { owner: newOwner(label) });
  return { a: make('lathe serve A'), b: make('lathe serve B') };
}

const waitFor = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
};

describe('run owner lock', () => {
  it('repro 1: B cannot resume, pause or cancel the run A is training, and A finishes it alone', async () => {
    const { a, b } = twoInstances();
    const run = await a.create(config, { name: 'shared' });
    await waitFor(() => (a.get(run.id)?.step ?? 0) >= 2);
    expect(b.get(run.id)!.status).toBe('running');
    for (const act of [() => b.resume(run.id), () => b.pause(run.id), () => b.cancel(run.id)]) {
      expect(act).toThrow(/owned by lathe serve A \(PID \d+ on .+, since /);
    }
    // B starting up does not mark A's live run interrupted.
    expect(b.recoverInterrupted()).toEqual([]);
    await a.idle();
    expect(a.get(run.id)).toMatchObject({ status: 'completed', step: 16 });
    // Every step was written once: no second trainer appended to the folder.
    expect(readMetrics(run.runDir).map((m) => m.step)).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(readLock(runFiles(run.runDir).ownerLock)).toBeNull();
  });

  it('repro 2: two resumes of one paused run at once: one trains, the other is refused naming it', async () => {
    const { a, b } = twoInstances();
    const run = await a.create(config, { name: 'twice' });
    await waitFor(() => (a.get(run.id)?.step ?? 0) >= 5);
    a.pause(run.id);
    await a.idle();
    expect(a.get(run.id)!.status).toBe('paused');
    // Lock released on pause: B may take the run over.
    expect(b.resume(run.id).status).toBe('queued');
    expect(() => a.resume(run.id)).toThrow(/Cannot resume run "twice": it is owned by lathe serve B/);
    await b.idle();
    expect(b.get(run.id)).toMatchObject({ status: 'completed', step: 16 });
    const steps = readMetrics(run.runDir).map((m) => m.step);
    expect(steps).toEqual(Array.from({ length: 17 }, (_, i) => i));
  });

  it('takes over a lock whose process is gone, or whose PID was reused by another process', async () => {
    const { a } = twoInstances();
    const run = await a.create(config, { name: 'stale' });
    a.cancel(run.id);
    await a.idle();
    const lock = runFiles(run.runDir).ownerLock;
    const dead = { pid: 2 ** 22 + 4321, host: hostname(), procStart: 1, token: 'gone', label: 'lathe train', since: '2026-01-01T00:00:00Z' };
    writeFileSync(lock, JSON.stringify(dead));
    expect(ownerAlive(dead)).toBe(false);
    // Our own PID but another start time: the PID was reused, the owner is gone.
    const reused = { ...dead, pid: process.pid, procStart: (processStartTime('self') ?? 0) + 1 };
    if (processStartTime('self') !== null) expect(ownerAlive(reused)).toBe(false);
    a.resume(run.id);
    await a.idle();
    expect(a.get(run.id)!.status).toBe('completed');
  });

  it('a live process in another program keeps its lock; a torn lock file is taken over', () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      const holder = { pid: child.pid!, host: hostname(), procStart: processStartTime(child.pid!), token: 'child', label: 'lathe train', since: 'now' };
      writeFileSync(join(dir, 'a.lock'), JSON.stringify(holder));
      const got = acquireLock(join(dir, 'a.lock'), newOwner('me'));
      expect(got.ok).toBe(false);
      if (!got.ok) expect(got.holder.pid).toBe(child.pid);
    } finally {
      child.kill('SIGKILL');
    }
    writeFileSync(join(dir, 'b.lock'), '{"pid": 12');
    expect(acquireLock(join(dir, 'b.lock'), newOwner('me')).ok).toBe(true);
  });
});
