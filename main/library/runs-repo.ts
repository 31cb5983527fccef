// Runs, run_metrics and checkpoints tables: the index of what the run folders hold.
import type { Db } from './db';
import type { RunStatus, RunRecord, MetricRecord } from '../api/run-types';
export type { RunStatus, RunRecord, MetricRecord };

interface RunRow {
  id: string;
  project_id: string | null;
  name: string;
  status: RunStatus;
  run_dir: string;
  config_json: string;
  step: number;
  total_steps: number;
  last_loss: number | null;
  best_eval_loss: number | null;
  error_json: string | null;
  host_pid: number | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const toRun = (r: RunRow): RunRecord => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  status: r.status,
  runDir: r.run_dir,
  config: JSON.parse(r.config_json),
  step: r.step,
  totalSteps: r.total_steps,
  lastLoss: r.last_loss,
  bestEvalLoss: r.best_eval_loss,
  error: r.error_json ? JSON.parse(r.error_json) : null,
  hostPid: r.host_pid,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export class RunsRepo {
  constructor(private readonly db: Db) {}

  create(r: { id: string; projectId: string | null; name: string; runDir: string; config: unknown; createdAt?: string }): RunRecord {
    const now = r.createdAt ?? new Date().toISOString();
    this.db
      .prepare('INSERT INTO runs (id, project_id, name, status, run_dir, config_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(r.id, r.projectId, r.name, 'queued', r.runDir, JSON.stringify(r.config), now, now);
    return this.get(r.id)!;
  }

  /** Puts back a run read from its folder (library rebuild), with every field as the folder says. */
  restore(r: RunRecord): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, project_id, name, status, run_dir, config_json, step, total_steps, last_loss, best_eval_loss, error_json, host_pid, created_at, updated_at, started_at, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(r.id, r.projectId, r.name, r.status, r.runDir, JSON.stringify(r.config), r.step, r.totalSteps, r.lastLoss, r.bestEvalLoss, r.error ? JSON.stringify(r.error) : null, r.hostPid, r.createdAt, r.updatedAt, r.startedAt, r.finishedAt);
  }

  get(id: string): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? toRun(row) : undefined;
  }

  list(projectId?: string): RunRecord[] {
    const rows = (projectId
      ? this.db.prepare('SELECT * FROM runs WHERE project_id = ? ORDER BY created_at DESC').all(projectId)
      : this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC').all()) as RunRow[];
    return rows.map(toRun);
  }

  rename(id: string, name: string): void {
    this.db.prepare('UPDATE runs SET name = ?, updated_at = ? WHERE id = ?').run(name, new Date().toISOString(), id);
  }

  /** Removes the run's row; its metrics and checkpoints go with it, evals and exports keep their rows without the link. */
  delete(id: string): void {
    this.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
  }

  /** Sets the given fields; updatedAt is now unless given (a run folder's own time, when the index takes its state). */
  update(id: string, patch: Partial<Pick<RunRecord, 'status' | 'step' | 'totalSteps' | 'lastLoss' | 'bestEvalLoss' | 'error' | 'hostPid' | 'startedAt' | 'finishedAt' | 'updatedAt'>>): void {
    const cols: Record<string, string> = { status: 'status', step: 'step', totalSteps: 'total_steps', lastLoss: 'last_loss', bestEvalLoss: 'best_eval_loss', error: 'error_json', hostPid: 'host_pid', startedAt: 'started_at', finishedAt: 'finished_at' };
    const sets: string[] = [];
    const values: unknown[] = [];
    const { updatedAt, ...fields } = patch;
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      sets.push(`${cols[k]} = ?`);
      values.push(k === 'error' ? (v === null ? null : JSON.stringify(v)) : v);
    }
    sets.push('updated_at = ?');
    values.push(updatedAt ?? new Date().toISOString());
    this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  /** Upsert: a resumed run re-trains steps after its checkpoint, and the newer values win. */
  addMetric(runId: string, m: MetricRecord): void {
    this.db
      .prepare(
        `INSERT INTO run_metrics (run_id, step, loss, lr, grad_norm, tokens_per_sec, eval_loss, memory_bytes, planned_bytes, skipped, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(run_id, step) DO UPDATE SET loss = excluded.loss, lr = excluded.lr, grad_norm = excluded.grad_norm, tokens_per_sec = excluded.tokens_per_sec,
           eval_loss = excluded.eval_loss, memory_bytes = excluded.memory_bytes, planned_bytes = excluded.planned_bytes, skipped = excluded.skipped, at = excluded.at`,
      )
      .run(runId, m.step, m.loss, m.lr, m.gradNorm, m.tokensPerSecond, m.evalLoss, m.memoryBytes, m.plannedBytes ?? null, m.skipped, m.at);
  }

  metrics(runId: string): MetricRecord[] {
    return (this.db.prepare('SELECT * FROM run_metrics WHERE run_id = ? ORDER BY step').all(runId) as Record<string, unknown>[]).map((r) => ({
      step: r.step as number,
      loss: r.loss as number | null,
      lr: r.lr as number,
      gradNorm: r.grad_norm as number | null,
      tokensPerSecond: r.tokens_per_sec as number | null,
      evalLoss: r.eval_loss as number | null,
      memoryBytes: r.memory_bytes as number | null,
      plannedBytes: r.planned_bytes as number | null,
      skipped: r.skipped as string | null,
      at: r.at as string,
    }));
  }

  /** Drops metric rows past `step` (a resume re-trains them). */
  truncateMetrics(runId: string, step: number): void {
    this.db.prepare('DELETE FROM run_metrics WHERE run_id = ? AND step > ?').run(runId, step);
  }

  replaceCheckpoints(runId: string, checkpoints: { step: number; dir: string; evalLoss: number | null }[]): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM checkpoints WHERE run_id = ?').run(runId);
      const ins = this.db.prepare('INSERT INTO checkpoints (run_id, step, dir, eval_loss, created_at) VALUES (?, ?, ?, ?, ?)');
      for (const c of checkpoints) ins.run(runId, c.step, c.dir, c.evalLoss, new Date().toISOString());
    })();
  }

  checkpoints(runId: string): { step: number; dir: string; evalLoss: number | null }[] {
    return (this.db.prepare('SELECT step, dir, eval_loss FROM checkpoints WHERE run_id = ? ORDER BY step DESC').all(runId) as { step: number; dir: string; eval_loss: number | null }[]).map((c) => ({ step: c.step, dir: c.dir, evalLoss: c.eval_loss }));
  }
}
