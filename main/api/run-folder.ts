// The run folder's file format, shared by main (which creates and names runs) and the engine host (which trains them).
// Each fact has one writer: main writes identity.json (who the run is), the engine host writes run.json (how far it got).

/** identity.json: written by main when the run is created and when it is renamed; never by the engine host. */
export interface RunIdentity {
  id: string;
  name: string;
  projectId: string | null;
  createdAt: string;
}

/** What a training job can leave a run in: the statuses the engine host writes into run.json. */
export type TrainedStatus = 'running' | 'paused' | 'cancelled' | 'completed' | 'failed';

/**
 * run.json: written only by the engine host while it trains the run. It is absent until the run first starts, and a
 * run whose file says `running` while no process owns it was interrupted (the host died mid-run).
 */
export interface RunProgressFile {
  status: TrainedStatus;
  step: number;
  totalSteps: number;
  /** PID of the engine host while running (a dead PID on start-up means the run was interrupted). */
  hostPid: number | null;
  error: { code: string; message: string; hint?: string } | null;
  updatedAt: string;
  /** When the run first started training, and when it completed: a rebuilt library shows the same times. */
  startedAt: string | null;
  finishedAt: string | null;
}

/** The run folder's files, by role (paths are joined onto the run folder by main/runs/run-dir.ts). */
export const RUN_FOLDER_FILES = {
  identity: 'identity.json',
  progress: 'run.json',
  config: 'config.yaml',
  metrics: 'metrics.jsonl',
  log: 'log.txt',
  checkpoints: 'checkpoints',
  adapter: 'adapter',
  /** Who trains this run now (main/library/owner-lock.ts): one owner per run folder. */
  ownerLock: 'owner.lock',
  /** Present while the library index lacks some of this folder's metrics (a failed write, e.g. disk full). */
  indexBehind: 'index-behind',
} as const;
