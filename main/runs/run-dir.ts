// A run folder is self-describing (the library can be rebuilt from it): config.yaml (resolved), metrics.jsonl,
// checkpoints/step-N/, adapter/ (final, PEFT), log.txt, run.json (identity and status).
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from '../fs/atomic-file';
import type { TrainingConfig } from '../api/training-config';
import { configHelp } from '../api/training-config';

export interface RunIdentity {
  id: string;
  name: string;
  projectId: string | null;
  createdAt: string;
}

export interface RunStatusFile extends RunIdentity {
  status: 'queued' | 'running' | 'paused' | 'interrupted' | 'completed' | 'failed' | 'cancelled';
  step: number;
  totalSteps: number;
  /** PID of the engine host while running (a dead PID on start-up means the run was interrupted). */
  hostPid: number | null;
  error: { code: string; message: string; hint?: string } | null;
  updatedAt: string;
  /** Kept so a rebuilt library shows the same times (written by main with each status change). */
  startedAt?: string | null;
  finishedAt?: string | null;
}

export const runFiles = (dir: string) => ({
  dir,
  config: join(dir, 'config.yaml'),
  status: join(dir, 'run.json'),
  metrics: join(dir, 'metrics.jsonl'),
  log: join(dir, 'log.txt'),
  checkpoints: join(dir, 'checkpoints'),
  adapter: join(dir, 'adapter'),
  /** Who trains this run now (main/library/owner-lock.ts): one owner per run folder. */
  ownerLock: join(dir, 'owner.lock'),
  /** Present while the library index lacks some of this folder's metrics (a failed write, e.g. disk full). */
  indexBehind: join(dir, 'index-behind'),
});

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

export async function createRunDir(dir: string, config: TrainingConfig, status: RunStatusFile): Promise<void> {
  if (existsSync(dir)) throw new Error(`run folder ${dir} already exists`);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  await writeFileAtomic(join(dir, 'config.yaml'), async (w) => w.write(Buffer.from(configToYaml(config))));
  await writeRunStatus(dir, status);
  await writeFile(join(dir, 'metrics.jsonl'), '');
}

export async function writeRunStatus(dir: string, status: RunStatusFile): Promise<void> {
  await writeFileAtomic(runFiles(dir).status, async (w) => w.write(Buffer.from(JSON.stringify(status, null, 2) + '\n')));
}

export function readRunStatus(dir: string): RunStatusFile {
  return JSON.parse(readFileSync(runFiles(dir).status, 'utf8')) as RunStatusFile;
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
