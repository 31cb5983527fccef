// Training jobs in main: creates run folders, queues jobs (one at a time per device), runs each in its own engine host
// process, ingests its metrics into SQLite, and handles pause / resume / cancel and runs interrupted by a crash.
// Each queued or running job holds its run folder's owner lock, so no two processes ever train one run.
// Main writes a run folder's identity.json and never its run.json: the engine host records the run's progress there,
// and main indexes the host's events. Statuses only main knows (queued, a host that failed to start) live in the index.
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepMetrics } from '../host/trainer/trainer';
import { RunsRepo, type RunRecord } from '../library/runs-repo';
import { LatheError } from '../api/errors';
import { listCheckpoints } from './checkpoints';
import type { TrainingConfig } from '../api/training-config';
import { appendLog, createRunDir, folderStatus, readRunProgress, runFiles, writeRunIdentity, type RunIdentity, type RunProgressFile } from './run-dir';
import { IndexGuard, indexRunFolder, runMetricOf, summarizeMetrics } from './run-index';
import type { RunMetric } from '../api/run-types';
import { acquireLock, describeOwner, newOwner, otherLiveHolder, releaseLock, type LockOwner } from '../library/owner-lock';
import type { HostSpawner } from './host-process';
import { EngineSupervisor } from './supervisor';
import type { Db } from '../library/db';

export interface JobOptions {
  /** Maps a dataset id (or name) from the library to its folder; undefined when it is not one. */
  resolveDataset?(ref: string): string | undefined;
  /** Checks the model and dataset before a run folder is created: an input error leaves no failed run behind. */
  validate?(config: TrainingConfig): Promise<void>;
  /** Who this job manager is, in the owner lock of every run it trains (one per process or app instance). */
  owner?: LockOwner;
}

export interface JobEvents {
  /** Every step's metrics, in the shape the API sends and the index stores (run-index.ts converts them, once). */
  onMetrics?(runId: string, m: RunMetric): void;
  onStatus?(run: RunRecord): void;
  onLog?(runId: string, message: string): void;
}

interface Active {
  runId: string;
  supervisor: EngineSupervisor;
  abort: AbortController;
  done: Promise<void>;
}

function isAlive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The index row's state from the run folder's run.json, once no host trains the run: the host's status (`running`
 * left by a host that died is interrupted), step, error and times, so a rebuilt library shows the same row.
 */
function stateFromFolder(file: RunProgressFile): Parameters<RunsRepo['update']>[1] {
  const { step, totalSteps, error, startedAt, finishedAt, updatedAt } = file;
  return { status: folderStatus(file, false), step, totalSteps, hostPid: null, error, startedAt: startedAt ?? undefined, finishedAt: finishedAt ?? undefined, updatedAt };
}

export class TrainingJobs {
  private readonly repo: RunsRepo;
  private readonly queue: string[] = [];
  private active: Active | undefined;
  private readonly owner: LockOwner;
  private readonly guard: IndexGuard;
  private readonly fileWrites = new Set<Promise<void>>();

  constructor(private readonly db: Db, private readonly runsDir: string, private readonly spawn: HostSpawner, private readonly events: JobEvents = {}, private readonly options: JobOptions = {}) {
    this.repo = new RunsRepo(db);
    this.owner = options.owner ?? newOwner('Lathe');
    this.guard = new IndexGuard((runId, message) => this.logToRun(runId, message), (runId) => {
      const run = this.repo.get(runId);
      return run ? runFiles(run.runDir).indexBehind : undefined;
    });
  }

  /**
   * On start-up: runs that were running or queued when the app or its host died are marked interrupted (resumable);
   * a run whose folder says it finished while the index could not be written (disk full) gets its folder's state.
   * Runs owned by another live process are left alone.
   */
  recoverInterrupted(): RunRecord[] {
    const out: RunRecord[] = [];
    for (const run of this.repo.list()) {
      if (this.isActiveOrQueued(run.id) || otherLiveHolder(runFiles(run.runDir).ownerLock, this.owner)) continue;
      const behind = existsSync(runFiles(run.runDir).indexBehind);
      if ((run.status === 'running' || run.status === 'queued') && !isAlive(run.hostPid)) {
        let file: RunProgressFile | undefined;
        try {
          file = readRunProgress(run.runDir);
        } catch {
          file = undefined;
        }
        // The folder finished after the index's last write (which failed, e.g. disk full): the folder wins.
        const settled = file && file.status !== 'running' && file.updatedAt > run.updatedAt;
        this.setStatus(run.id, settled && file ? stateFromFolder(file) : { status: 'interrupted', hostPid: null });
        if (settled || behind) this.track(this.reindexFromStartup(run));
        out.push(this.repo.get(run.id)!);
      } else if (behind) {
        this.track(this.reindexFromStartup(run));
      }
    }
    return out;
  }

  /** A dataset (or mixture dataset) given by library id or name becomes its folder, so the run does not depend on the library to resume. */
  resolveConfig(input: TrainingConfig): TrainingConfig {
    const resolve = (ref: string): string => this.options.resolveDataset?.(ref) ?? ref;
    const out = { ...input, dataset: resolve(input.dataset) };
    if (input.mixture) out.mixture = input.mixture.map((m) => ({ ...m, dataset: resolve(m.dataset) }));
    return out;
  }

  async create(input: TrainingConfig, opts: { name?: string; projectId?: string | null } = {}): Promise<RunRecord> {
    const config = this.resolveConfig(input);
    await this.options.validate?.(config);
    const id = `run-${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
    const runDir = join(this.runsDir, id);
    const name = opts.name ?? `Run ${new Date().toLocaleString('en-GB', { hour12: false })}`;
    const now = new Date().toISOString();
    await createRunDir(runDir, config, { id, name, projectId: opts.projectId ?? null, createdAt: now });
    const run = this.repo.create({ id, projectId: opts.projectId ?? null, name, runDir, config, createdAt: now });
    this.takeOwnership(run);
    this.enqueue(id);
    return run;
  }

  /** Resumes a paused, interrupted, failed or cancelled run from its newest valid checkpoint. */
  resume(runId: string): RunRecord {
    const run = this.mustGet(runId);
    if (run.status === 'completed') throw new LatheError('runs.completed', `Run "${run.name}" has already completed.`, 'Start a new run to train further.');
    if (this.queue.includes(runId)) return run;
    // Resumed while its previous job is still stopping: queue it; it starts as soon as that job has finished.
    if (this.active?.runId === runId && !this.active.abort.signal.aborted) return run;
    this.takeOwnership(run);
    this.setStatus(runId, { status: 'queued', error: null });
    this.enqueue(runId);
    return this.mustGet(runId);
  }

  /** Pause: checkpoint and stop the host (its memory is freed); resume continues exactly. */
  pause(runId: string): RunRecord {
    return this.stop(runId, 'pause');
  }

  /** Cancel: stop and keep the last checkpoint; the run can still be resumed later. */
  cancel(runId: string): RunRecord {
    return this.stop(runId, 'cancel');
  }

  get(runId: string): RunRecord | undefined {
    return this.repo.get(runId);
  }

  /** Renames a run, in the library and in its folder's identity.json (what a library rebuild reads). */
  async rename(runId: string, name: string): Promise<RunRecord> {
    const run = this.mustGet(runId);
    this.repo.rename(runId, name);
    try {
      await writeRunIdentity(run.runDir, { ...this.identityOf(run), name });
    } catch {
      // A folder that cannot be written keeps its old name there; the library has the new one.
    }
    return this.mustGet(runId);
  }

  /**
   * Deletes a run that is not training: its folder (checkpoints, adapter, log) and its row. Evaluations and exports
   * made from it stay, without the link. A run that is queued or training must be paused or cancelled first.
   */
  async delete(runId: string): Promise<void> {
    const run = this.mustGet(runId);
    if (this.queue.includes(runId) || this.active?.runId === runId || run.status === 'running' || run.status === 'queued') {
      throw new LatheError('runs.busy', `Run "${run.name}" is ${run.status === 'queued' ? 'waiting to train' : 'training'}, so it cannot be deleted now.`, 'Pause or cancel it first, then delete it.');
    }
    this.repo.delete(runId);
    await rm(run.runDir, { recursive: true, force: true }).catch((err: Error) => {
      throw new LatheError('runs.deleteFailed', `Run "${run.name}" was removed from the library, but its folder ${run.runDir} could not be deleted: ${err.message}`, 'Delete the folder by hand; nothing else refers to it.');
    });
  }

  list(projectId?: string): RunRecord[] {
    return this.repo.list(projectId);
  }

  metrics(runId: string) {
    return this.repo.metrics(runId);
  }

  checkpoints(runId: string) {
    return this.repo.checkpoints(runId);
  }

  /** Resolves when the queue is empty and nothing runs (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.active) await this.active.done;
    while (this.fileWrites.size) await Promise.all([...this.fileWrites]);
  }

  async shutdown(): Promise<void> {
    for (const id of this.queue.splice(0)) this.releaseOwnership(id);
    if (this.active) {
      this.active.abort.abort('pause');
      await this.active.done;
    }
  }

  private stop(runId: string, reason: 'pause' | 'cancel'): RunRecord {
    const run = this.mustGet(runId);
    const q = this.queue.indexOf(runId);
    if (q >= 0) {
      this.queue.splice(q, 1);
      this.setStatus(runId, { status: reason === 'pause' ? 'paused' : 'cancelled' });
      this.releaseOwnership(runId);
    } else if (this.active?.runId === runId) {
      this.active.abort.abort(reason);
    } else if (otherLiveHolder(runFiles(run.runDir).ownerLock, this.owner)) {
      this.refuseNotOwner(run, reason);
    } else if (run.status === 'running') {
      throw new LatheError('runs.notAttached', `Run "${run.name}" is not running in this Lathe session.`, 'Restart Lathe: the run will be marked interrupted and can be resumed.');
    }
    return this.mustGet(runId);
  }

  private isActiveOrQueued(runId: string): boolean {
    return this.active?.runId === runId || this.queue.includes(runId);
  }

  /** Takes the run folder's owner lock, or refuses naming the process that trains it. */
  private takeOwnership(run: RunRecord): void {
    const got = acquireLock(runFiles(run.runDir).ownerLock, this.owner);
    if (!got.ok) this.refuseNotOwner(run, 'resume');
  }

  private refuseNotOwner(run: RunRecord, action: string): never {
    const holder = otherLiveHolder(runFiles(run.runDir).ownerLock, this.owner);
    const who = holder ? describeOwner(holder) : 'another process';
    throw new LatheError('runs.ownedElsewhere', `Cannot ${action} run "${run.name}": it is owned by ${who}.`, `Only its owner may resume, pause or cancel it: use that Lathe, or stop it there first (the lock is ${runFiles(run.runDir).ownerLock}).`);
  }

  private releaseOwnership(runId: string): void {
    const run = this.repo.get(runId);
    if (!run) return;
    try {
      releaseLock(runFiles(run.runDir).ownerLock, this.owner);
    } catch {
      // A lock that cannot be removed is stale once this process exits.
    }
  }

  /** A message from main about a run: in its log.txt (when the disk allows) and to the UI. */
  private logToRun(runId: string, message: string): void {
    const run = this.repo.get(runId);
    try {
      if (run) appendLog(run.runDir, message);
    } catch {
      // The folder's disk may be full too; the UI still gets the message.
    }
    this.events.onLog?.(runId, message);
  }

  private track(p: Promise<void>): void {
    this.fileWrites.add(p);
    void p.finally(() => this.fileWrites.delete(p));
  }

  private mustGet(runId: string): RunRecord {
    const run = this.repo.get(runId);
    if (!run) throw new LatheError('runs.notFound', `No run with id ${runId}.`, 'Reload the run list.');
    return run;
  }

  private setStatus(runId: string, patch: Parameters<RunsRepo['update']>[1]): void {
    const indexed = this.guard.write(runId, 'the run status', () => this.repo.update(runId, patch));
    // A failed index write (disk full) still updates the folder and the UI with the new status.
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const stored = this.repo.get(runId)!;
    const run: RunRecord = indexed ? stored : { ...stored, updatedAt: new Date().toISOString(), ...defined };
    this.events.onStatus?.(run);
  }

  /** Who the run is: main's own fact, kept in the library row and mirrored in identity.json. */
  private identityOf(run: RunRecord): RunIdentity {
    return { id: run.id, name: run.name, projectId: run.projectId, createdAt: run.createdAt };
  }

  /**
   * Folders written by older versions keep their identity inside run.json, which the engine host rewrites without it:
   * identity.json is written before the host first trains such a run, so the name survives a library rebuild.
   */
  private async migrateIdentity(run: RunRecord): Promise<void> {
    const files = runFiles(run.runDir);
    if (existsSync(run.runDir) && !existsSync(files.identity)) await writeRunIdentity(run.runDir, this.identityOf(run));
  }

  private async reindexFromStartup(run: RunRecord): Promise<void> {
    try {
      await this.reindex(run);
      rmSync(runFiles(run.runDir).indexBehind, { force: true });
    } catch (err) {
      this.events.onLog?.(run.id, `library index still behind the run folder: ${(err as Error).message}`);
    }
  }

  /** Rebuilds the run's index rows from its folder (metrics.jsonl, checkpoints). */
  private async reindex(run: RunRecord): Promise<void> {
    const rows = await indexRunFolder(this.repo, run, this.db);
    const file = readRunProgress(run.runDir);
    this.repo.update(run.id, { ...summarizeMetrics(rows), step: file?.step ?? 0, totalSteps: file?.totalSteps ?? 0 });
  }

  private enqueue(runId: string): void {
    this.queue.push(runId);
    this.pump();
  }

  private pump(): void {
    if (this.active || !this.queue.length) return;
    const runId = this.queue.shift()!;
    const run = this.mustGet(runId);
    const supervisor = new EngineSupervisor({ spawn: this.spawn });
    const abort = new AbortController();
    const active: Active = { runId, supervisor, abort, done: Promise.resolve() };
    this.active = active;
    active.done = this.execute(run, supervisor, abort).finally(async () => {
      await supervisor.stop().catch(() => undefined);
      this.active = undefined;
      if (!this.queue.includes(runId)) this.releaseOwnership(runId);
      this.pump();
    });
  }

  private async execute(run: RunRecord, supervisor: EngineSupervisor, abort: AbortController): Promise<void> {
    const migrated = await this.migrateIdentity(run).catch((err: Error) => err);
    if (migrated instanceof Error) {
      this.setStatus(run.id, { status: 'failed', error: { code: 'runs.identity', message: `Cannot write ${runFiles(run.runDir).identity}: ${migrated.message}`, hint: 'Free some disk space or fix the folder permissions, then resume the run.' } });
      return;
    }
    const host = await supervisor.start().catch((err) => err as Error);
    if (host instanceof Error) {
      this.setStatus(run.id, { status: 'failed', error: { code: 'engine.hostStart', message: host.message } });
      return;
    }
    this.setStatus(run.id, { status: 'running', hostPid: host.pid ?? null, startedAt: run.startedAt ?? new Date().toISOString(), error: null });
    // A resume re-trains the steps after its checkpoint: their old metric rows go.
    const latest = (await listCheckpoints(join(run.runDir, 'checkpoints')))[0];
    this.guard.write(run.id, 'the metrics of a resume', () => this.repo.truncateMetrics(run.id, latest?.step ?? 0));
    try {
      const result = await supervisor.request('train.run', { runDir: run.runDir }, {
        signal: abort.signal,
        onEvent: (e) => {
          if (e.name === 'metrics') this.ingest(run.id, e.payload);
          else if (e.name === 'log') this.events.onLog?.(run.id, e.payload);
          else if (e.name === 'started') this.setStatus(run.id, { totalSteps: e.payload.totalSteps, step: e.payload.step });
          else if (e.name === 'checkpoint') void this.indexCheckpoints(run);
        },
      });
      // The host has recorded how the job ended in run.json; the index takes it from there.
      const file = readRunProgress(run.runDir);
      // A resume asked for while this job was stopping is already queued: keep showing it as queued.
      if (this.queue.includes(run.id)) return;
      this.setStatus(run.id, file ? stateFromFolder(file) : { status: result.status, step: result.step, hostPid: null });
    } catch (err) {
      const e = err as { code?: string; message?: string; hint?: string };
      const crashed = e.code === 'engine.hostCrashed';
      this.setStatus(run.id, {
        status: crashed ? 'interrupted' : 'failed',
        hostPid: null,
        error: { code: e.code ?? 'train.failed', message: e.message ?? String(err), ...(e.hint ? { hint: e.hint } : {}) },
      });
    } finally {
      if (this.guard.isBehind(run.id)) await this.catchUp(run, true);
      await this.indexCheckpoints(run, true);
    }
  }

  /** Re-indexes a run that fell behind (disk full) from its folder, then re-applies its status. */
  private async catchUp(run: RunRecord, force = false): Promise<void> {
    await this.guard.catchUp(run.id, async () => {
      await this.reindex(run);
      if (!force) return this.repo.update(run.id, { status: 'running' });
      // The job has ended: its folder holds the final status (a host that died mid-run left `running`: interrupted).
      const file = readRunProgress(run.runDir);
      this.repo.update(run.id, file ? stateFromFolder(file) : { status: 'interrupted', hostPid: null });
    }, force);
  }

  /** Re-reads the run's checkpoint folder into the library (it is the source of truth). */
  private async indexCheckpoints(run: RunRecord, announce = true): Promise<void> {
    const cps = await listCheckpoints(join(run.runDir, 'checkpoints')).catch(() => []);
    this.guard.write(run.id, 'the checkpoint list', () => this.repo.replaceCheckpoints(run.id, cps.map((c) => ({ step: c.step, dir: c.dir, evalLoss: c.evalLoss }))));
    if (announce) this.events.onStatus?.(this.repo.get(run.id)!);
  }

  private ingest(runId: string, m: StepMetrics & { at?: string }): void {
    const rec = runMetricOf(m);
    if (this.guard.isBehind(runId)) {
      // The folder has every line: re-index from it (at most every few seconds) instead of writing one row.
      void this.catchUp(this.repo.get(runId)!);
      this.events.onMetrics?.(runId, rec);
      return;
    }
    this.guard.write(runId, `the metrics of step ${m.step}`, () => this.indexMetric(runId, rec));
    this.events.onMetrics?.(runId, rec);
  }

  private indexMetric(runId: string, m: RunMetric): void {
    // The trainer's own time stamp travels in `at`, so the index and metrics.jsonl agree (a rebuilt library shows the same rows).
    this.repo.addMetric(runId, m);
    const patch: Parameters<RunsRepo['update']>[1] = { step: m.step };
    if (m.loss !== null) patch.lastLoss = m.loss;
    if (m.evalLoss !== null) {
      const best = this.repo.get(runId)?.bestEvalLoss;
      if (best === null || best === undefined || m.evalLoss < best) patch.bestEvalLoss = m.evalLoss;
    }
    this.repo.update(runId, patch);
  }
}
