// The front doors' (desktop app, `lathe serve`) way into the library: opens the runtime, or, when the database is
// damaged or unavailable, keeps serving so the UI can show why and offer the rebuild (then opens the runtime).
import { LatheError, toApiError } from '../api/errors';
import type { LibraryStatus } from '../api/contract-library';
import { releaseLibraryLease, takeLibraryLease } from '../library/lease';
import { newOwner } from '../library/owner-lock';
import { defaultLibraryRoot, ensureLibraryFolders, libraryPaths } from '../library/paths';
import { rebuildLibrary } from '../library/rebuild';
import { dispatch, type DispatchResult } from './dispatch';
import { createRuntime, type EventListener, type Runtime, type RuntimeOptions } from './runtime';

export interface LibraryGate {
  /** The open runtime, once the library is healthy. */
  runtime(): Runtime | undefined;
  status(): LibraryStatus;
  uploadsDir: string;
  dispatch(method: unknown, args: unknown): Promise<DispatchResult>;
  subscribe(listener: EventListener): () => void;
  close(): Promise<void>;
}

export function openLibraryGate(opts: RuntimeOptions): LibraryGate {
  const paths = libraryPaths(opts.libraryRoot ?? defaultLibraryRoot());
  const listeners = new Set<EventListener>();
  let runtime: Runtime | undefined;
  let problem: LatheError | undefined;
  let rebuilding: Promise<DispatchResult> | undefined;

  const open = (): void => {
    try {
      runtime = createRuntime({ ...opts, libraryRoot: paths.root });
      problem = undefined;
      runtime.subscribe((event, payload) => {
        for (const l of listeners) l(event, payload);
      });
    } catch (err) {
      if (!(err instanceof LatheError)) throw err;
      problem = err;
    }
  };
  open();

  const status = (): LibraryStatus =>
    runtime
      ? { state: 'ok', root: paths.root }
      : { state: problem?.code === 'library.corrupt' ? 'damaged' : 'unavailable', root: paths.root, problem: problem && { code: problem.code, message: problem.message, hint: problem.hint } };

  const rebuild = async (): Promise<DispatchResult> => {
    if (problem?.code !== 'library.corrupt') {
      return { ok: false, error: toApiError(new LatheError('library.notDamaged', 'Only a damaged library can be rebuilt here.', problem?.hint ?? 'The library is open.')) };
    }
    // The lease keeps a second app from opening or rebuilding the library meanwhile.
    const owner = newOwner('a library rebuild');
    try {
      ensureLibraryFolders(paths);
      takeLibraryLease(paths, owner);
      let report;
      try {
        report = await rebuildLibrary(paths);
      } finally {
        releaseLibraryLease(paths, owner);
      }
      open();
      if (!runtime) throw problem ?? new LatheError('library.open', 'The rebuilt library could not be opened.', 'Run `lathe library rebuild` in a terminal to see why.');
      const { database: _database, ...value } = report;
      return { ok: true, value };
    } catch (err) {
      return { ok: false, error: toApiError(err) };
    }
  };

  return {
    runtime: () => runtime,
    status,
    uploadsDir: paths.uploads,
    async dispatch(method, args) {
      if (runtime) return dispatch(method, args, runtime.ctx);
      // A library that was busy or unreadable may be free now ("Try again" on the start screen asks this).
      if (method === 'library.status') {
        if (problem?.code !== 'library.corrupt') open();
        return { ok: true, value: status() };
      }
      if (method === 'library.rebuild') return (rebuilding ??= rebuild().finally(() => (rebuilding = undefined)));
      // Every other call gets the reason the library is closed (the UI shows it on its start screen).
      return { ok: false, error: toApiError(problem) };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await runtime?.close();
    },
  };
}

/** A gate over an already open runtime (tests, and front doors that need no recovery screen). */
export function gateOf(runtime: Runtime): LibraryGate {
  return {
    runtime: () => runtime,
    status: () => ({ state: 'ok', root: runtime.ctx.paths.root }),
    uploadsDir: runtime.ctx.paths.uploads,
    dispatch: (method, args) => dispatch(method, args, runtime.ctx),
    subscribe: (listener) => runtime.subscribe(listener),
    close: () => runtime.close(),
  };
}
