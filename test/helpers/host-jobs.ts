// Integration tests' run managers over the real engine host: a TrainingJobs in a temp library (shut down after the test
// file), and a kill -9 of its host once a run reaches a step, the crash every resume test starts from.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openLibraryDb } from '../../main/library/db';
import { hostEntryPath, nodeHostSpawner } from '../../main/runs/host-process';
import { TrainingJobs, type JobEvents } from '../../main/runs/jobs';

/** The host runs from the built bundle: say how to get it instead of failing obscurely. */
export function requireHostBuild(): void {
  if (!existsSync(hostEntryPath())) throw new Error('run `npm run build` first (npm test does)');
}

/** A job manager with its own library database and runs folder under `root`. */
export function hostJobs(root: string, name: string, events: JobEvents = {}): TrainingJobs {
  const db = openLibraryDb(join(root, `${name}.sqlite`));
  const j = new TrainingJobs(db, join(root, name), nodeHostSpawner(), events);
  afterAll(() => j.shutdown());
  return j;
}

/** SIGKILLs the engine host as soon as the run has reached `step` while running, then waits until the job settles. */
export async function killHostAtStep(j: TrainingJobs, runId: string, step: number): Promise<void> {
  const timer = setInterval(() => {
    const r = j.get(runId)!;
    if (r.step >= step && r.hostPid && r.status === 'running') {
      process.kill(r.hostPid, 'SIGKILL');
      clearInterval(timer);
    }
  }, 2);
  await j.idle();
  clearInterval(timer);
}
