// One writer per fact in a run folder: main writes identity.json (create, rename) and never run.json; the engine
// host's training job writes run.json. What only main knows (queued, cancelled before starting, a host that died
// before writing anything) stays in the index; a reader of the folder alone sees such a run as interrupted.
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import type { HostToMain } from '../../../main/api/host-protocol';
import { openLibraryDb } from '../../../main/library/db';
import { ensureLibraryFolders, libraryPaths } from '../../../main/library/paths';
import { rebuildLibrary } from '../../../main/library/rebuild';
import { RunsRepo } from '../../../main/library/runs-repo';
import type { HostSpawner } from '../../../main/runs/host-process';
import { TrainingJobs } from '../../../main/runs/jobs';
import { folderStatus, readRunIdentity, readRunProgress, runFiles } from '../../../main/runs/run-dir';
import { tempDir } from '../../helpers/temp-dir';
import { toyHostSpawner } from '../../helpers/toy-host';

const config = resolveTrainingConfig({ model: 'toy', dataset: 'toy', seqLen: 16, microBatch: 2, gradAccum: 2, learningRate: 0.05, warmupSteps: 2, maxSteps: 12, evalEvery: 4, checkpointEverySteps: 4, checkpointEveryMinutes: 0 });

/** A host that starts, takes the train request, and dies at once (kill -9 before the job wrote anything). */
const dyingHost: HostSpawner = () => {
  const bus = new EventEmitter();
  setImmediate(() => bus.emit('message', { type: 'ready', pid: 424242 } satisfies HostToMain));
  return {
    pid: 424242,
    send: (msg) => {
      if (msg.type === 'request') setImmediate(() => bus.emit('exit', null, 'SIGKILL'));
    },
    onMessage: (l) => bus.on('message', l),
    onExit: (l) => bus.on('exit', l),
    kill: () => undefined,
  };
};

function library() {
  const paths = libraryPaths(tempDir('lathe-writers-'));
  ensureLibraryFolders(paths);
  return { paths, db: openLibraryDb(paths.database) };
}

describe('run folder writers', () => {
  it('main writes identity.json only; run.json comes from the host and holds no identity', async () => {
    const { paths, db } = library();
    const jobs = new TrainingJobs(db, paths.runs, toyHostSpawner({ stepDelayMs: 5 }));
    const first = await jobs.create(config, { name: 'first' });
    const second = await jobs.create(config, { name: 'second' });
    // Queued, then cancelled before it started: the folder has who it is, and no progress.
    expect(readRunIdentity(second.runDir)).toMatchObject({ id: second.id, name: 'second', projectId: null });
    jobs.cancel(second.id);
    expect(existsSync(runFiles(second.runDir).progress)).toBe(false);
    await jobs.idle();
    expect(jobs.get(second.id)!.status).toBe('cancelled');
    expect(existsSync(runFiles(second.runDir).progress)).toBe(false);

    const progress = JSON.parse(readFileSync(runFiles(first.runDir).progress, 'utf8'));
    expect(Object.keys(progress).sort()).toEqual(['error', 'finishedAt', 'hostPid', 'startedAt', 'status', 'step', 'totalSteps', 'updatedAt']);
    expect(progress).toMatchObject({ status: 'completed', step: 12, totalSteps: 12, hostPid: null, error: null });
    // The index took the host's record, times included.
    expect(jobs.get(first.id)).toMatchObject({ status: 'completed', updatedAt: progress.updatedAt, startedAt: progress.startedAt, finishedAt: progress.finishedAt });

    await jobs.rename(first.id, 'renamed');
    expect(readRunIdentity(first.runDir).name).toBe('renamed');
    expect(JSON.parse(readFileSync(runFiles(first.runDir).progress, 'utf8'))).toEqual(progress);
    db.close();
  });

  it('a host that dies before writing leaves no run.json: the index says interrupted, and so does a rebuild', async () => {
    const { paths, db } = library();
    const jobs = new TrainingJobs(db, paths.runs, dyingHost);
    const run = await jobs.create(config, { name: 'crashed' });
    await jobs.idle();
    expect(jobs.get(run.id)).toMatchObject({ status: 'interrupted', error: { code: 'engine.hostCrashed' } });
    expect(existsSync(runFiles(run.runDir).progress)).toBe(false);
    db.close();

    const report = await rebuildLibrary(paths);
    expect(report).toMatchObject({ runs: 1, problems: [] });
    const rebuilt = openLibraryDb(paths.database);
    expect(new RunsRepo(rebuilt).get(run.id)).toMatchObject({ name: 'crashed', status: 'interrupted', step: 0 });
    // And it resumes: a fresh job manager trains it to the end.
    const fresh = new TrainingJobs(rebuilt, paths.runs, toyHostSpawner());
    fresh.resume(run.id);
    await fresh.idle();
    expect(fresh.get(run.id)!.status).toBe('completed');
    rebuilt.close();
  });

  it('reads a run folder from before identity.json, and writes identity.json before the host first rewrites run.json', async () => {
    const { paths, db } = library();
    const jobs = new TrainingJobs(db, paths.runs, toyHostSpawner());
    const run = await jobs.create(config, { name: 'old style' });
    jobs.pause(run.id);
    await jobs.idle();
    db.close();
    // An older Lathe kept identity and status together in run.json, written by main too ('queued', 'interrupted').
    const files = runFiles(run.runDir);
    const legacy = { id: run.id, name: 'old style', projectId: null, createdAt: run.createdAt, status: 'queued', step: 0, totalSteps: 0, hostPid: 123, error: null, updatedAt: run.createdAt };
    writeFileSync(files.progress, JSON.stringify(legacy));
    rmSync(files.identity);
    expect(readRunIdentity(run.runDir)).toEqual({ id: run.id, name: 'old style', projectId: null, createdAt: run.createdAt });
    expect(readRunProgress(run.runDir)).toMatchObject({ status: 'running', hostPid: null });
    expect(folderStatus(readRunProgress(run.runDir), false)).toBe('interrupted');

    await rebuildLibrary(paths);
    const rebuilt = openLibraryDb(paths.database);
    const fresh = new TrainingJobs(rebuilt, paths.runs, toyHostSpawner());
    expect(fresh.get(run.id)).toMatchObject({ name: 'old style', status: 'interrupted' });
    fresh.resume(run.id);
    await fresh.idle();
    expect(readRunIdentity(run.runDir).name).toBe('old style');
    expect(JSON.parse(readFileSync(files.progress, 'utf8'))).not.toHaveProperty('name');
    expect(fresh.get(run.id)!.status).toBe('completed');
    rebuilt.close();
  });

  it('the folder status a reader sees: only a live owner keeps a run running', () => {
    const p = { status: 'running' as const, step: 3, totalSteps: 9, hostPid: 7, error: null, updatedAt: 't', startedAt: 't', finishedAt: null };
    expect(folderStatus(undefined, true)).toBe('queued');
    expect(folderStatus(undefined, false)).toBe('interrupted');
    expect(folderStatus(p, true)).toBe('running');
    expect(folderStatus(p, false)).toBe('interrupted');
    expect(folderStatus({ ...p, status: 'paused' }, false)).toBe('paused');
  });
});
