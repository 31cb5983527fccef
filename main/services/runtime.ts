// Builds the service context every front door shares: opens the library, creates the engine supervisor, fans out events.
import type { EventName, EventPayloads } from '../api/contract';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { datasetDir } from '../data/store';
import { openLibraryDb } from '../library/db';
import { DatasetsRepo } from '../library/datasets-repo';
import { releaseLibraryLease, takeLibraryLease } from '../library/lease';
import { newOwner } from '../library/owner-lock';
import { defaultLibraryRoot, ensureLibraryFolders, libraryPaths } from '../library/paths';
import { nodeHostSpawner, type HostSpawner } from '../runs/host-process';
import type { TrainingConfig } from '../api/training-config';
import { TrainingJobs } from '../runs/jobs';
import { ExportsRepo } from '../library/exports-repo';
import { validateRunInputs } from '../runs/validate-inputs';
import { EngineSupervisor } from '../runs/supervisor';
import type { ServiceContext } from './context';

export type EventListener = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

export interface Runtime {
  ctx: ServiceContext;
  /** Subscribe to every event; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
  /** Subscribe to one event, with its payload typed by the contract; returns the unsubscribe function. */
  on<E extends EventName>(event: E, fn: (payload: EventPayloads[E]) => void): () => void;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  libraryRoot?: string;
  shell: 'electron' | 'web' | 'cli';
  spawnHost?: HostSpawner;
  /** Checks a run's model and data before its folder is created (tests of the toy trainer pass their own). */
  validateRunInputs?: (config: TrainingConfig) => Promise<void>;
  /** Remote web mode: API path arguments are limited to the library and these folders (services/path-policy). */
  allowDirs?: string[];
}

const OWNER_LABEL = { electron: 'the Lathe desktop app', web: 'lathe serve', cli: 'the lathe command line' } as const;

export function createRuntime(opts: RuntimeOptions): Runtime {
  const paths = libraryPaths(opts.libraryRoot ?? defaultLibraryRoot());
  ensureLibraryFolders(paths);
  // Engine hosts inherit this: compiled Vulkan pipelines are kept in the library, so a GPU run starts fast next time.
  process.env.LATHE_VULKAN_PIPELINE_CACHE ??= join(paths.root, 'vulkan-pipelines.bin');
  const owner = newOwner(OWNER_LABEL[opts.shell]);
  // One app (desktop or serve) per library; one-shot CLI commands cooperate with it through each run's owner lock.
  if (opts.shell !== 'cli') takeLibraryLease(paths, owner);
  let db: ReturnType<typeof openLibraryDb>;
  try {
    db = openLibraryDb(paths.database);
  } catch (err) {
    releaseLibraryLease(paths, owner);
    throw err;
  }
  const listeners = new Set<EventListener>();
  const emit: EventListener = (event, payload) => {
    for (const l of listeners) {
      try {
        l(event, payload);
      } catch {
        // One broken listener (a closed socket) must not stop the others.
      }
    }
  };
  const supervisor = new EngineSupervisor({
    spawn: opts.spawnHost ?? nodeHostSpawner(),
    onCrash: (crash) => {
      console.error(`[lathe] ${crash.message}`);
      emit('engine.hostCrashed', crash);
    },
  });
  const spawn = opts.spawnHost ?? nodeHostSpawner();
  const jobs = new TrainingJobs(db, paths.runs, spawn, {
    onMetrics: (runId, metrics) => emit('training.metrics', { runId, metrics }),
    onStatus: (run) => emit('training.status', { run }),
    onLog: (runId, message) => emit('training.log', { runId, message }),
  }, {
    owner,
    validate: opts.validateRunInputs ?? validateRunInputs,
    resolveDataset: (ref) => {
      if (existsSync(ref)) return undefined;
      const repo = new DatasetsRepo(db);
      const found = repo.list().find((d) => d.id === ref || d.name === ref);
      return found ? datasetDir(paths, repo.get(found.id).dir) : undefined;
    },
  });
  // Runs left 'running' by a crash of the app or its host are marked interrupted and offered for resume.
  jobs.recoverInterrupted();
  new ExportsRepo(db).failInterrupted();
  const ctx: ServiceContext = { db, paths, shell: opts.shell, supervisor, jobs, emit, allowedRoots: opts.allowDirs ? [paths.root, ...opts.allowDirs] : null };
  return {
    ctx,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    on(event, fn) {
      const listener: EventListener = (name: EventName, payload: unknown) => {
        if (name === event) fn(payload as EventPayloads[typeof event]);
      };
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await jobs.shutdown();
      await supervisor.stop();
      db.close();
      releaseLibraryLease(paths, owner);
    },
  };
}
