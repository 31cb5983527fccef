// Managing runs: rename (library and identity.json, so a rebuilt library keeps it), delete (folder and record; refused
// while the run is queued or training, saying what to do).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibraryDb } from '../../../main/library/db';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { TrainingJobs } from '../../../main/runs/jobs';
import { readRunIdentity } from '../../../main/runs/run-dir';
import { tempDir } from '../../helpers/temp-dir';
import { toyHostSpawner } from '../../helpers/toy-host';

const config = resolveTrainingConfig({ model: 'toy', dataset: 'toy', seqLen: 16, microBatch: 2, gradAccum: 2, learningRate: 0.05, warmupSteps: 2, maxSteps: 12, evalEvery: 4, checkpointEverySteps: 4, checkpointEveryMinutes: 0 });

function setup(spawn = toyHostSpawner()) {
  const root = tempDir();
  return new TrainingJobs(openLibraryDb(join(root, 'lib.sqlite')), join(root, 'runs'), spawn);
}

describe('run management', () => {
  it('renames a run in the library and in its folder', async () => {
    const jobs = setup();
    const run = await jobs.create(config, { name: 'first try' });
    await jobs.idle();
    const renamed = await jobs.rename(run.id, 'r16 baseline');
    expect(renamed.name).toBe('r16 baseline');
    expect(jobs.get(run.id)!.name).toBe('r16 baseline');
    expect(readRunIdentity(run.runDir).name).toBe('r16 baseline');
  });

  it('deletes a finished run: its folder and record go', async () => {
    const jobs = setup();
    const run = await jobs.create(config, { name: 'to delete' });
    await jobs.idle();
    expect(existsSync(join(run.runDir, 'adapter'))).toBe(true);
    await jobs.delete(run.id);
    expect(jobs.get(run.id)).toBeUndefined();
    expect(existsSync(run.runDir)).toBe(false);
    expect(jobs.list().map((r) => r.id)).not.toContain(run.id);
  });

  it('refuses to delete a run that is training or queued, and says to pause or cancel it first', async () => {
    const jobs = setup(toyHostSpawner({ stepDelayMs: 20 }));
    const a = await jobs.create(config, { name: 'busy' });
    const b = await jobs.create(config, { name: 'waiting' });
    while (jobs.get(a.id)!.status !== 'running') await new Promise((r) => setTimeout(r, 5));
    await expect(jobs.delete(a.id)).rejects.toMatchObject({ code: 'runs.busy', hint: expect.stringContaining('Pause or cancel') });
    await expect(jobs.delete(b.id)).rejects.toMatchObject({ code: 'runs.busy', message: expect.stringContaining('waiting to train') });
    expect(existsSync(a.runDir)).toBe(true);
    jobs.cancel(b.id);
    await jobs.idle();
    await jobs.delete(b.id);
    expect(existsSync(b.runDir)).toBe(false);
    await jobs.shutdown();
  });
});
