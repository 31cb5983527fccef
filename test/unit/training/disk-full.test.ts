// SQLite disk full mid-run (a real SQLITE_FULL, injected with PRAGMA max_page_count): nothing escapes an event
// handler, training goes on, the run folder keeps every metric, and the index catches up once space returns.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibraryDb, type Db } from '../../../main/library/db';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { TrainingJobs } from '../../../main/runs/jobs';
import { readMetrics, runFiles } from '../../../main/runs/run-dir';
import { tempDir } from '../../helpers/temp-dir';
import { toyHostSpawner } from '../../helpers/toy-host';

const config = resolveTrainingConfig({ model: 'toy', dataset: 'toy', seqLen: 16, microBatch: 2, gradAccum: 2, learningRate: 0.05, warmupSteps: 2, maxSteps: 16, evalEvery: 4, checkpointEverySteps: 4, checkpointEveryMinutes: 0 });

/** The database may not grow past its current size, and its free space is used up: every write fails with SQLITE_FULL. */
function fill(db: Db): void {
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  // Free pages first, then the slack in the metrics table's last pages (rows of another run).
  const ballast = db.prepare('INSERT INTO ballast VALUES (?)');
  const metric = db.prepare("INSERT INTO run_metrics (run_id, step, lr, skipped, at) VALUES ('ballast', ?, 0, ?, '')");
  let step = (db.prepare("SELECT COUNT(*) AS n FROM run_metrics WHERE run_id = 'ballast'").get() as { n: number }).n;
  for (const put of [(x: string) => ballast.run(x), (x: string) => metric.run(step++, x)]) {
    for (const size of [1000, 100, 10, 1]) {
      try {
        for (;;) put('x'.repeat(size));
      } catch (err) {
        expect((err as { code?: string }).code).toBe('SQLITE_FULL');
      }
    }
  }
}
const free = (db: Db) => db.pragma('max_page_count = 1073741823');

function setup(onStep?: (db: Db, step: number) => void) {
  const root = tempDir();
  const db = openLibraryDb(join(root, 'lib.sqlite'));
  db.exec("CREATE TABLE ballast (x TEXT); INSERT INTO runs (id, name, status, run_dir, config_json, created_at, updated_at) VALUES ('ballast', 'ballast', 'completed', '-', '{}', '', '')");
  const logs: string[] = [];
  const jobs = new TrainingJobs(db, join(root, 'runs'), toyHostSpawner({ stepDelayMs: 5 }), {
    onLog: (_id, m) => logs.push(m),
    onMetrics: (_id, m) => onStep?.(db, m.step),
  });
  return { root, db, jobs, logs };
}

describe('SQLite disk full during training', () => {
  it('keeps training while the index cannot grow, then catches up when space returns', async () => {
    const { db, jobs, logs } = setup((d, step) => {
      if (step === 3) fill(d);
      if (step === 11) free(d);
    });
    const run = await jobs.create(config, { name: 'full' });
    await jobs.idle();
    expect(logs.some((l) => /library index not updated \(disk full\)/.test(l))).toBe(true);
    expect(logs).toContain('library index caught up with the run folder');
    // The run's own log keeps the record too.
    expect(readFileSync(join(run.runDir, 'log.txt'), 'utf8')).toMatch(/library index not updated \(disk full\)[\s\S]*library index caught up/);
    const done = jobs.get(run.id)!;
    expect(done).toMatchObject({ status: 'completed', step: 16 });
    const fromFolder = readMetrics(run.runDir).map((m) => [m.step, m.loss]);
    expect(fromFolder).toHaveLength(17);
    expect(jobs.metrics(run.id).map((m) => [m.step, m.loss])).toEqual(fromFolder);
    expect(jobs.checkpoints(run.id).length).toBeGreaterThan(0);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('a run that ends while the disk is still full is caught up from its folder on the next start', async () => {
    const { db, jobs, root } = setup((d, step) => {
      if (step === 6) fill(d);
    });
    const run = await jobs.create(config, { name: 'still full' });
    await jobs.idle();
    // The index lacks the steps written while full; the folder has them all and says so.
    expect(jobs.metrics(run.id).length).toBeLessThan(17);
    expect(existsSync(runFiles(run.runDir).indexBehind)).toBe(true);
    free(db);
    const next = new TrainingJobs(openLibraryDb(join(root, 'lib.sqlite')), join(root, 'runs'), toyHostSpawner());
    next.recoverInterrupted();
    await next.idle();
    expect(next.get(run.id)).toMatchObject({ status: 'completed', step: 16, hostPid: null });
    expect(next.metrics(run.id).map((m) => m.step)).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(existsSync(runFiles(run.runDir).indexBehind)).toBe(false);
  });
});
