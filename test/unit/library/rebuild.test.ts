// `lathe library rebuild`: truncate the database of a populated library, see it refused, rebuild it from the folders,
// and find every listing (projects, datasets, runs, metrics, checkpoints) as it was, with the damaged file kept.
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importDataset } from '../../../main/data/store';
import { openLibraryDb, type Db } from '../../../main/library/db';
import { DatasetsRepo } from '../../../main/library/datasets-repo';
import { ensureLibraryFolders, libraryPaths } from '../../../main/library/paths';
import { ProjectsRepo } from '../../../main/library/projects-repo';
import { rebuildLibrary } from '../../../main/library/rebuild';
import { RunsRepo } from '../../../main/library/runs-repo';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { TrainingJobs } from '../../../main/runs/jobs';
import { tempDir } from '../../helpers/temp-dir';
import { toyHostSpawner } from '../../helpers/toy-host';

const FX = join(__dirname, '../../fixtures/data');
const config = resolveTrainingConfig({ model: 'toy', dataset: 'toy', seqLen: 16, microBatch: 2, gradAccum: 2, learningRate: 0.05, warmupSteps: 2, maxSteps: 12, evalEvery: 4, checkpointEverySteps: 4, checkpointEveryMinutes: 0 });

function listings(db: Db) {
  const runs = new RunsRepo(db);
  return {
    projects: new ProjectsRepo(db).list(),
    datasets: new DatasetsRepo(db).list().map((d) => ({ ...d, dir: new DatasetsRepo(db).get(d.id).dir })),
    runs: runs.list(),
    metrics: runs.list().map((r) => runs.metrics(r.id)),
    checkpoints: runs.list().map((r) => runs.checkpoints(r.id)),
  };
}

describe('library rebuild', () => {
  it('rebuilds a truncated library to the same listings', async () => {
    const paths = libraryPaths(tempDir('lathe-rebuild-'));
    ensureLibraryFolders(paths);
    const db = openLibraryDb(paths.database);
    const projects = new ProjectsRepo(db);
    const a = projects.create('Alpha', 'first');
    const b = projects.rename(projects.create('Beta').id, 'Beta 2');
    await importDataset(db, paths, join(FX, 'alpaca.jsonl'), { projectId: a.id });
    await importDataset(db, paths, join(FX, 'bad.jsonl'), { projectId: b.id, name: 'bad rows' });
    const jobs = new TrainingJobs(db, paths.runs, toyHostSpawner({ stepDelayMs: 10 }));
    await jobs.create(config, { name: 'done', projectId: a.id });
    await jobs.idle();
    const paused = await jobs.create(config, { name: 'paused' });
    while ((jobs.get(paused.id)?.step ?? 0) < 5) await new Promise((r) => setTimeout(r, 10));
    jobs.pause(paused.id);
    await jobs.idle();
    const before = listings(db);
    expect(before.runs.map((r) => r.status).sort()).toEqual(['completed', 'paused']);
    expect(before.datasets).toHaveLength(2);
    db.close();

    truncateSync(paths.database, 4096);
    expect(() => openLibraryDb(paths.database)).toThrow(/damaged|integrity/);
    const damaged = readFileSync(paths.database);

    const report = await rebuildLibrary(paths, new Date('2026-01-02T03:04:05Z'));
    expect(report).toMatchObject({ projects: 2, datasets: 2, runs: 2, problems: [], notes: [] });
    expect(report.metrics).toBe(before.metrics.flat().length);
    expect(report.keptAs[0]).toBe(`${paths.database}.damaged-2026-01-02T03-04-05-000Z`);
    expect(readFileSync(report.keptAs[0]).equals(damaged)).toBe(true);

    const after = openLibraryDb(paths.database);
    expect(listings(after)).toEqual(before);
    after.close();
  });

  it('lists what it could not read and recovers orphans under a project, losing nothing', async () => {
    const paths = libraryPaths(tempDir('lathe-rebuild-'));
    ensureLibraryFolders(paths);
    const db = openLibraryDb(paths.database);
    const gone = new ProjectsRepo(db).create('Gone');
    await importDataset(db, paths, join(FX, 'alpaca.jsonl'), { projectId: gone.id });
    db.close();
    // The project's file is lost and one run folder is unreadable.
    truncateSync(join(paths.projects, `${gone.id}.json`), 3);
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(join(paths.runs, 'run-broken'));
    writeFileSync(join(paths.runs, 'run-broken', 'run.json'), '{"id": ');
    const report = await rebuildLibrary(paths);
    expect(report.problems.map((p) => p.path)).toEqual([join(paths.projects, `${gone.id}.json`), join(paths.runs, 'run-broken')]);
    expect(report.notes[0]).toMatch(/dataset "alpaca.jsonl" .*put under "Recovered"/);
    const after = openLibraryDb(paths.database);
    const recovered = new ProjectsRepo(after).findByName('Recovered')!;
    expect(new DatasetsRepo(after).list(recovered.id)).toHaveLength(1);
    expect(existsSync(join(paths.projects, `${recovered.id}.json`))).toBe(true);
    after.close();
  });
});
