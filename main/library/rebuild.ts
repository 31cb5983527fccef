// `lathe library rebuild`: writes a fresh library index from the self-describing folders (projects/<id>.json,
// datasets/<id>/dataset.json, runs/<id>/identity.json + run.json + config.yaml + metrics.jsonl + checkpoints/), keeping the damaged
// database beside it. Anything it cannot read is listed with the reason, never dropped silently.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Project } from '../api/contract';
import type { DatasetSummary } from '../api/dataset-types';
import { indexRunFolder, readMetricRows, summarizeMetrics } from '../runs/run-index';
import { folderStatus, readRunIdentity, readRunProgress, runFiles } from '../runs/run-dir';
import { openLibraryDb, type Db } from './db';
import { DatasetsRepo, type NewDataset } from './datasets-repo';
import { rowCountsOf } from '../data/store';
import { otherLiveHolder, newOwner } from './owner-lock';
import type { LibraryRebuildResult } from '../api/contract-library';
import type { LibraryPaths } from './paths';
import { ProjectsRepo } from './projects-repo';
import { RunsRepo } from './runs-repo';

/** What a rebuild did: the API's result (contract-library.ts, the shared layer) plus the database it rebuilt. */
export interface RebuildReport extends LibraryRebuildResult {
  database: string;
}

const RECOVERED_PROJECT = 'Recovered';

const subdirs = (dir: string) => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort() : []);

function moveAside(database: string, stamp: string): string[] {
  const kept: string[] = [];
  // The -wal and -shm files keep the same suffixes, so the damaged pair can still be opened together for forensics.
  for (const suffix of ['', '-wal', '-shm']) {
    if (!existsSync(database + suffix)) continue;
    const to = `${database}.damaged-${stamp}${suffix}`;
    renameSync(database + suffix, to);
    kept.push(to);
  }
  return kept;
}

function sha256Of(paths: string[]): string {
  const h = createHash('sha256');
  for (const p of paths) h.update(readFileSync(p));
  return h.digest('hex');
}

/** A dataset folder from before dataset.json existed: rebuilt from report.json and its files. */
function legacyDataset(dir: string, id: string): Omit<NewDataset, 'projectId'> {
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Parameters<typeof rowCountsOf>[0];
  const rawDir = join(dir, 'raw');
  const rawName = readdirSync(rawDir)[0] ?? id;
  const rawPath = join(rawDir, rawName);
  return {
    id,
    name: rawName,
    sourcePath: '(unknown: rebuilt from the dataset folder)',
    ...rowCountsOf(report),
    rawSha256: statSync(rawPath).isFile() ? sha256Of([rawPath]) : '',
    contentHash: sha256Of([join(dir, 'normalized.jsonl')]),
    dir: id,
    options: {},
    createdAt: statSync(dir).mtime.toISOString(),
  };
}

/** Builds the index; `paths.database` must not exist (rebuildLibrary moves it aside first). */
export async function indexFolders(db: Db, paths: LibraryPaths, report: RebuildReport): Promise<void> {
  const projects = new ProjectsRepo(db);
  const known = new Set<string>();
  for (const f of (existsSync(paths.projects) ? readdirSync(paths.projects) : []).filter((n) => n.endsWith('.json')).sort()) {
    const path = join(paths.projects, f);
    try {
      const p = JSON.parse(readFileSync(path, 'utf8')) as Project;
      if (typeof p.id !== 'string' || typeof p.name !== 'string') throw new Error('id or name missing');
      projects.restore({ id: p.id, name: p.name, description: p.description ?? '', createdAt: p.createdAt, updatedAt: p.updatedAt });
      known.add(p.id);
      report.projects++;
    } catch (err) {
      report.problems.push({ path, reason: (err as Error).message });
    }
  }
  let recovered: string | undefined;
  const recoveredProject = () => (recovered ??= (projects.findByName(RECOVERED_PROJECT) ?? projects.create(RECOVERED_PROJECT, 'Items whose project was not found when the library was rebuilt.')).id);

  const datasets = new DatasetsRepo(db);
  for (const id of subdirs(paths.datasets)) {
    const dir = join(paths.datasets, id);
    try {
      const row = existsSync(join(dir, 'dataset.json'))
        ? (JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8')) as NewDataset & DatasetSummary)
        : { ...legacyDataset(dir, id), projectId: '' };
      if (row.dir !== id) row.dir = id;
      if (!known.has(row.projectId)) {
        row.projectId = recoveredProject();
        report.notes.push(`dataset "${row.name}" (${dir}): its project was not found; put under "${RECOVERED_PROJECT}"`);
      }
      datasets.insert(row);
      report.datasets++;
    } catch (err) {
      report.problems.push({ path: dir, reason: (err as Error).message });
    }
  }

  const runs = new RunsRepo(db);
  const me = newOwner('lathe library rebuild');
  for (const id of subdirs(paths.runs)) {
    const dir = join(paths.runs, id);
    try {
      const who = readRunIdentity(dir);
      const progress = readRunProgress(dir);
      const config = parseYaml(readFileSync(runFiles(dir).config, 'utf8')) as Record<string, unknown>;
      const live = otherLiveHolder(runFiles(dir).ownerLock, me);
      // Without a live owner, a run that never finished (or never started) was interrupted: it can be resumed.
      const status = folderStatus(progress, !!live);
      const projectId = who.projectId && known.has(who.projectId) ? who.projectId : null;
      if (who.projectId && !projectId) report.notes.push(`run "${who.name}" (${dir}): its project was not found; kept without a project`);
      const summary = summarizeMetrics(readMetricRows(dir));
      runs.restore({
        id: who.id, projectId, name: who.name, status, runDir: dir, config, step: progress?.step ?? 0, totalSteps: progress?.totalSteps ?? 0,
        ...summary, error: progress?.error ?? null, hostPid: live ? (progress?.hostPid ?? null) : null,
        createdAt: who.createdAt, updatedAt: progress?.updatedAt || who.createdAt, startedAt: progress?.startedAt ?? null, finishedAt: progress?.finishedAt ?? null,
      });
      const rows = await indexRunFolder(runs, { id: who.id, runDir: dir }, db);
      report.runs++;
      report.metrics += rows.length;
      report.checkpoints += runs.checkpoints(who.id).length;
    } catch (err) {
      report.problems.push({ path: dir, reason: (err as Error).message });
    }
  }
}

/** Moves the damaged database aside and writes a fresh one from the folders. */
export async function rebuildLibrary(paths: LibraryPaths, now = new Date()): Promise<RebuildReport> {
  const report: RebuildReport = { database: paths.database, keptAs: [], projects: 0, datasets: 0, runs: 0, metrics: 0, checkpoints: 0, notes: [], problems: [] };
  report.keptAs = moveAside(paths.database, now.toISOString().replace(/[:.]/g, '-'));
  const db = openLibraryDb(paths.database);
  try {
    await indexFolders(db, paths, report);
  } finally {
    db.close();
  }
  return report;
}
