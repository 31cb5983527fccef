// What every service handler gets: the open library, its folders, the engine supervisor and a way to push events.
import type { EventName, EventPayloads } from '../api/contract';
import type { Db } from '../library/db';
import type { LibraryPaths } from '../library/paths';
import type { TrainingJobs } from '../runs/jobs';
import type { EngineSupervisor } from '../runs/supervisor';

export interface ServiceContext {
  db: Db;
  paths: LibraryPaths;
  /** 'electron' | 'web' | 'cli' */
  shell: string;
  /** The shared engine host for short requests (system probe, inspection); training jobs get their own. */
  supervisor: EngineSupervisor;
  jobs: TrainingJobs;
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void;
  /** Remote web mode: the only folders API paths may name (the library and --allow-dir); undefined/null = no limit. */
  allowedRoots?: string[] | null;
}
