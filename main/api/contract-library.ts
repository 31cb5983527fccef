// API methods of the library itself: whether it could be opened, and rebuilding its index from the folders (the
// action of the damaged-library screen).
import { z } from 'zod';
import { method } from './contract';

export interface LibraryStatus {
  /** 'ok': open; 'damaged': the database failed its check and can be rebuilt; 'unavailable': cannot be opened (in use, unreadable). */
  state: 'ok' | 'damaged' | 'unavailable';
  root: string;
  /** Why it is not open, with the hint (absent when ok). */
  problem?: { code: string; message: string; hint?: string };
}

export interface LibraryRebuildResult {
  /** Where the old database (and its -wal/-shm) went; empty when there was none. */
  keptAs: string[];
  projects: number;
  datasets: number;
  runs: number;
  metrics: number;
  checkpoints: number;
  /** Things restored with a change, e.g. a dataset whose project was gone, now under "Recovered". */
  notes: string[];
  /** Folders that could not be read, with why. */
  problems: { path: string; reason: string }[];
}

const NoArgs = z.object({}).strict().optional();

export const libraryMethods = {
  'library.status': method<LibraryStatus>()(NoArgs, 'Whether the library opened, or why not (a damaged database can be rebuilt).'),
  'library.rebuild': method<LibraryRebuildResult>()(NoArgs, 'Rebuild a damaged library index from the project, dataset and run folders, keeping the old file beside it.'),
};
