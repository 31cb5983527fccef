// The start screen when the library cannot be opened: says why, and for a damaged database offers the rebuild from
// the project, dataset and run folders (the old file is kept), then reloads into the app.
import { useState, type JSX } from 'react';
import type { LibraryRebuildResult, LibraryStatus } from '../../../../main/api/contract-library';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';

export function LibraryProblem({ status, onRetry }: { status: LibraryStatus; onRetry: () => void }): JSX.Element {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [done, setDone] = useState<LibraryRebuildResult>();
  const damaged = status.state === 'damaged';

  async function rebuild(): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      setDone(await api.library.rebuild());
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="content-inner" id="content">
      <div className="empty" data-testid="library-problem" role="alert">
        <h1 className="empty-title">{damaged ? 'The library index is damaged' : 'The library cannot be opened'}</h1>
        <p className="empty-text">{status.problem?.message}</p>
        {status.problem?.hint && <p className="empty-text">{status.problem.hint}</p>}
        {damaged && !done && (
          <p className="empty-text">
            Your projects, datasets and runs are safe in their folders under {status.root}. Rebuilding writes a fresh
            index from them and keeps the damaged file beside it.
          </p>
        )}
        {error && (
          <p className="empty-text" data-testid="library-rebuild-error">
            {error.message} {error.hint}
          </p>
        )}
        {done ? (
          <div data-testid="library-rebuilt">
            <p className="empty-text">
              Rebuilt: {done.projects} project(s), {done.datasets} dataset(s), {done.runs} run(s) with {done.checkpoints} checkpoint(s).
              {done.keptAs.length > 0 && ` The old file is kept as ${done.keptAs[0]}.`}
            </p>
            {done.notes.map((n) => (
              <p key={n} className="empty-text">{n}</p>
            ))}
            {done.problems.map((p) => (
              <p key={p.path} className="empty-text">Not restored: {p.path}: {p.reason}</p>
            ))}
            <button type="button" className="btn btn-primary" onClick={() => window.location.reload()} data-testid="library-open">
              Open Lathe
            </button>
          </div>
        ) : damaged ? (
          <button type="button" className="btn btn-primary" onClick={() => void rebuild()} disabled={busy} data-testid="library-rebuild">
            {busy ? 'Rebuilding…' : 'Rebuild the library'}
          </button>
        ) : (
          <button type="button" className="btn btn-primary" onClick={onRetry} data-testid="library-retry">
            Try again
          </button>
        )}
      </div>
    </main>
  );
}
