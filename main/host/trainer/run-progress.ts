// The one writer of a run's run.json: the engine host's training job records how far the run got (status, step,
// host PID, error, times). Main never writes this file; it reads it and indexes the host's events instead.
import { readRunProgress, writeRunProgress, type RunProgressFile } from '../../runs/run-dir';

export class RunProgress {
  private file: RunProgressFile;

  constructor(private readonly runDir: string, hostPid: number) {
    const before = readRunProgress(runDir);
    const now = new Date().toISOString();
    this.file = {
      status: 'running',
      step: before?.step ?? 0,
      totalSteps: before?.totalSteps ?? 0,
      hostPid,
      error: null,
      updatedAt: now,
      startedAt: before?.startedAt ?? now,
      finishedAt: null,
    };
  }

  get current(): RunProgressFile {
    return this.file;
  }

  /** Marks the run as trained by this host from now on (before any data is read, so a failure after it is recorded). */
  async start(): Promise<void> {
    await writeRunProgress(this.runDir, this.file);
  }

  async update(patch: Partial<Omit<RunProgressFile, 'updatedAt'>>): Promise<void> {
    const now = new Date().toISOString();
    const ended = patch.status && patch.status !== 'running';
    this.file = { ...this.file, ...patch, updatedAt: now, ...(ended ? { hostPid: null } : {}), ...(patch.status === 'completed' ? { finishedAt: now } : {}) };
    await writeRunProgress(this.runDir, this.file);
  }
}
