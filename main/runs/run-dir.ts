// A run folder is self-describing (the library can be rebuilt from it): config.yaml (resolved), identity.json (main's),
// run.json (the engine host's progress), metrics.jsonl, checkpoints/step-N/, adapter/ (final, PEFT), log.txt.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from '../fs/atomic-file';
import type { TrainingConfig } from '../api/training-config';
import { RUN_FOLDER_FILES, type RunIdentity, type RunProgressFile, type TrainedStatus } from '../api/run-folder';
import type { RunStatus } from '../api/run-types';
import { configHelp } from '../api/training-config';

export type { RunIdentity, RunProgressFile, TrainedStatus };

export const runFiles = (dir: string) => {
  const at = (name: string) => join(dir, name);
  const f = RUN_FOLDER_FILES;
  return {
    dir,
    identity: at(f.identity),
    progress: at(f.progress),
    config: at(f.config),
    metrics: at(f.metrics),
    log: at(f.log),
    checkpoints: at(f.checkpoints),
    adapter: at(f.adapter),
    ownerLock: at(f.ownerLock),
    indexBehind: at(f.indexBehind),
  };
};

/** config.yaml with every key's reason as a comment above it, so the file documents itself. */
export function configToYaml(c: TrainingConfig): string {
  const lines = ['# Lathe training config (resolved: every default filled in).'];
  for (const [key, value] of Object.entries(c)) {
    if (value === undefined) continue;
    lines.push(`# ${configHelp[key as keyof TrainingConfig]}`);
    lines.push(stringify({ [key]: value }).trimEnd());
  }
  return lines.join('\n') + '\n';
}

/** Main creates the folder: the resolved config, who the run is, and an empty metrics file. run.json comes with the first start. */
export async function createRunDir(dir: string, config: TrainingConfig, identity: RunIdentity): Promise<void> {
  if (existsSync(dir)) throw new Error(`run folder ${dir} already exists`);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  await writeFileAtomic(join(dir, 'config.yaml'), async (w) => w.write(Buffer.from(configToYaml(config))));
  await writeRunIdentity(dir, identity);
  await writeFile(join(dir, 'metrics.jsonl'), '');
}

const writeJson = (path: string, value: unknown) => writeFileAtomic(path, async (w) => w.write(Buffer.from(JSON.stringify(value, null, 2) + '\n')));

/** Main's file: written at creation and on rename. */
export async function writeRunIdentity(dir: string, identity: RunIdentity): Promise<void> {
  const { id, name, projectId, createdAt } = identity;
  await writeJson(runFiles(dir).identity, { id, name, projectId, createdAt });
}

/** Who the run is. Folders written before identity.json existed keep their identity in run.json. */
export function readRunIdentity(dir: string): RunIdentity {
  const files = runFiles(dir);
  const raw = JSON.parse(readFileSync(existsSync(files.identity) ? files.identity : files.progress, 'utf8')) as Partial<RunIdentity>;
  if (typeof raw.id !== 'string' || typeof raw.name !== 'string') throw new Error(`${files.identity}: no run id or name in it`);
  return { id: raw.id, name: raw.name, projectId: raw.projectId ?? null, createdAt: raw.createdAt ?? '' };
}

/** The engine host's file: written only by the training job (main/host/trainer/run-job.ts). */
export async function writeRunProgress(dir: string, progress: RunProgressFile): Promise<void> {
  await writeJson(runFiles(dir).progress, progress);
}

/**
 * How far the run got, as the engine host last wrote it; undefined before its first start. A run.json written by
 * older versions (main wrote it too) may say `queued` or `interrupted`: both mean "not finished, not training now",
 * which a reader sees as `running` without a live host, like a run whose host died.
 */
export function readRunProgress(dir: string): RunProgressFile | undefined {
  const path = runFiles(dir).progress;
  if (!existsSync(path)) return undefined;
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Omit<RunProgressFile, 'status'> & { status: RunStatus };
  const status = raw.status === 'queued' || raw.status === 'interrupted' ? null : raw.status;
  const legacy = status === null;
  return {
    status: status ?? 'running',
    step: raw.step ?? 0,
    totalSteps: raw.totalSteps ?? 0,
    hostPid: legacy ? null : (raw.hostPid ?? null),
    error: raw.error ?? null,
    updatedAt: raw.updatedAt ?? '',
    startedAt: raw.startedAt ?? null,
    finishedAt: raw.finishedAt ?? null,
  };
}

/**
 * The status a reader that is not training the run sees in its folder. Only a live owner keeps a run `running`;
 * without one, a run that never finished (or never started) was interrupted and can be resumed.
 */
export function folderStatus(progress: RunProgressFile | undefined, trainedNow: boolean): RunStatus {
  if (!progress) return trainedNow ? 'queued' : 'interrupted';
  if (progress.status === 'running' && !trainedNow) return 'interrupted';
  return progress.status;
}

/** Appends one JSON line; metrics after the last checkpoint are re-appended on resume with the same step numbers. */
export function appendMetrics(dir: string, record: Record<string, unknown>): void {
  appendFileSync(runFiles(dir).metrics, JSON.stringify(record) + '\n');
}

export function readMetrics(dir: string): Record<string, unknown>[] {
  const text = existsSync(runFiles(dir).metrics) ? readFileSync(runFiles(dir).metrics, 'utf8') : '';
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // A torn last line from a crash mid-append is ignored; every complete line before it counts.
    }
  }
  return out;
}

export function appendLog(dir: string, message: string): void {
  appendFileSync(runFiles(dir).log, `${new Date().toISOString()} ${message}\n`);
}
