// Repro 2 of issue 17 with real processes: two `lathe train --resume RUN_DIR` started at once on one paused run. One
// trains it to the end; the other is refused naming the owner, and writes nothing (every step is in metrics.jsonl once).
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openLibraryDb } from '../../main/library/db';
import { libraryPaths } from '../../main/library/paths';
import { resolveTrainingConfig } from '../../main/api/training-config';
import { hostEntryPath, nodeHostSpawner } from '../../main/runs/host-process';
import { TrainingJobs } from '../../main/runs/jobs';
import { readMetrics } from '../../main/runs/run-dir';
import { tempDir } from '../helpers/temp-dir';
import { tinyModel } from '../helpers/tiny-model';

const home = tempDir('lathe-owner-cli-');
let runDir = '';

beforeAll(async () => {
  if (!existsSync(hostEntryPath())) throw new Error('run `npm run build` first (npm test does)');
  const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 128, seed: 11 });
  const rows = Array.from({ length: 40 }, (_, i) => JSON.stringify({ instruction: `Say ${i}`, output: `${i} ${'ok '.repeat(i % 7)}` }));
  writeFileSync(join(home, 'data.jsonl'), rows.join('\n') + '\n');
  const config = resolveTrainingConfig({ model, dataset: join(home, 'data.jsonl'), seqLen: 64, microBatch: 2, gradAccum: 1, maxSteps: 30, warmupSteps: 2, evalEvery: 10, checkpointEverySteps: 3, checkpointEveryMinutes: 0, threads: 1 });
  // A paused run in the library, as `lathe train` + Ctrl+C leaves it.
  const paths = libraryPaths(home);
  const db = openLibraryDb(paths.database);
  const jobs = new TrainingJobs(db, paths.runs, nodeHostSpawner());
  const run = await jobs.create(config, { name: 'twice' });
  while ((jobs.get(run.id)?.step ?? 0) < 4) await new Promise((r) => setTimeout(r, 10));
  jobs.pause(run.id);
  await jobs.idle();
  expect(jobs.get(run.id)!.status).toBe('paused');
  runDir = run.runDir;
  db.close();
}, 120_000);

function resumeCli(): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [join(process.cwd(), 'bin/lathe.js'), 'train', '--resume', runDir, '--json'], { env: { ...process.env, LATHE_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

describe('two `lathe train --resume` on one run', () => {
  it('one trains it to the end, the other is refused naming the owner', async () => {
    const [a, b] = await Promise.all([resumeCli(), resumeCli()]);
    const [winner, loser] = a.code === 0 ? [a, b] : [b, a];
    expect(winner.code, winner.err).toBe(0);
    const result = winner.out.trim().split('\n').map((l) => JSON.parse(l)).find((m) => m.type === 'result');
    expect(result).toMatchObject({ status: 'completed', step: 30 });
    expect(loser.code).toBe(1);
    expect(loser.err).toMatch(/Cannot resume run "twice": it is owned by the lathe command line \(PID \d+ on .+, since .+\)/);
    expect(loser.err).toMatch(/hint: Only its owner may resume, pause or cancel it/);
    expect(readMetrics(runDir).map((m) => m.step)).toEqual(Array.from({ length: 31 }, (_, i) => i));
  }, 120_000);
});
