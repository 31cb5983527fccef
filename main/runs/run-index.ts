// Writes a run's progress into the library index without ever letting a failed write (SQLITE_FULL, a locked or
// read-only database) escape an event handler: the run folder stays the truth, and the index catches up from it later.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunMetric, StepMetrics } from '../api/run-types';
import { RunsRepo, type MetricRecord, type RunRecord } from '../library/runs-repo';
import { listCheckpoints } from './checkpoints';
import { isDiskFull } from './disk-full';
import { readMetrics } from './run-dir';


/**
 * The one conversion of a trainer metric (a metrics.jsonl line, or the same object live from the engine host) into an
 * index row. The trainer stamps `at`; older lines without it get the read time.
 */
export function metricFromFile(line: Record<string, unknown> | StepMetrics): MetricRecord | null {
  const r = line as Record<string, unknown>;
  if (typeof r.step !== 'number' || typeof r.lr !== 'number') return null;
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    step: r.step,
    loss: num(r.loss),
    lr: r.lr,
    gradNorm: num(r.gradNorm),
    tokensPerSecond: num(r.tokensPerSecond),
    evalLoss: num(r.evalLoss),
    memoryBytes: num(r.memoryBytes),
    plannedBytes: num(r.plannedBytes),
    skipped: typeof r.skipped === 'string' ? r.skipped : null,
    at: typeof r.at === 'string' ? r.at : new Date().toISOString(),
  };
}

/** A live metric as the API sends it: the index row plus the objective's own figures. */
export function runMetricOf(m: StepMetrics): RunMetric {
  return { ...metricFromFile(m)!, ...(m.extra ? { extra: m.extra } : {}) };
}

/** lastLoss and bestEvalLoss as the live index computes them, from the metric rows. */
export function summarizeMetrics(rows: MetricRecord[]): { lastLoss: number | null; bestEvalLoss: number | null } {
  let lastLoss: number | null = null;
  let bestEvalLoss: number | null = null;
  for (const m of rows) {
    if (m.loss !== null) lastLoss = m.loss;
    if (m.evalLoss !== null && (bestEvalLoss === null || m.evalLoss < bestEvalLoss)) bestEvalLoss = m.evalLoss;
  }
  return { lastLoss, bestEvalLoss };
}

export function readMetricRows(runDir: string): MetricRecord[] {
  return readMetrics(runDir).map(metricFromFile).filter((m): m is MetricRecord => m !== null);
}

/** Copies every metric line and checkpoint of a run folder into the index (one transaction for the metrics). */
export async function indexRunFolder(repo: RunsRepo, run: Pick<RunRecord, 'id' | 'runDir'>, db: { transaction<T>(fn: () => T): () => T }): Promise<MetricRecord[]> {
  const rows = readMetricRows(run.runDir);
  const cps = await listCheckpoints(join(run.runDir, 'checkpoints'));
  db.transaction(() => {
    repo.truncateMetrics(run.id, -1);
    for (const m of rows) repo.addMetric(run.id, m);
  })();
  repo.replaceCheckpoints(run.id, cps.map((c) => ({ step: c.step, dir: c.dir, evalLoss: c.evalLoss })));
  return rows;
}

const RETRY_MS = 2000;

/** Tracks runs whose index fell behind their folder, and retries the catch-up at most every RETRY_MS. */
export class IndexGuard {
  private readonly behind = new Map<string, number>();

  /** `marker(runId)`: a file in the run folder that says its index is behind, so the next start catches it up. */
  constructor(private readonly onProblem: (runId: string, message: string) => void, private readonly marker: (runId: string) => string | undefined) {}

  isBehind(runId: string): boolean {
    return this.behind.has(runId);
  }

  /** Runs one index write; a failure marks the run behind and is reported once, never thrown. */
  write(runId: string, what: string, fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      if (!this.behind.has(runId)) {
        const why = isDiskFull(err) ? 'disk full' : (err as Error).message;
        this.mark(runId, true);
        this.onProblem(runId, `library index not updated (${why}) while writing ${what}: training goes on, the run folder keeps every metric and checkpoint, and the index catches up when the write succeeds again`);
      }
      this.behind.set(runId, Date.now());
      return false;
    }
  }

  /** Re-indexes the run from its folder when due (or `force`); true once the index is whole again. */
  async catchUp(runId: string, fn: () => Promise<void>, force = false): Promise<boolean> {
    const last = this.behind.get(runId);
    if (last === undefined) return true;
    if (!force && Date.now() - last < RETRY_MS) return false;
    this.behind.set(runId, Date.now());
    try {
      await fn();
      this.behind.delete(runId);
      this.mark(runId, false);
      this.onProblem(runId, 'library index caught up with the run folder');
      return true;
    } catch {
      return false;
    }
  }

  private mark(runId: string, behind: boolean): void {
    const file = this.marker(runId);
    if (!file) return;
    try {
      if (behind) writeFileSync(file, `${new Date().toISOString()}\n`);
      else rmSync(file, { force: true });
    } catch {
      // The disk may be full for the folder too: the run's status then says 'running' and start-up re-checks it anyway.
    }
  }
}
