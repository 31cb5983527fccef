// The project's imported datasets: each one's name and counts, renamed in place, its rows viewed page by page, and
// deleted after a confirmation that lists the runs trained on it.
import { useState, type JSX } from 'react';
import type { DatasetSummary } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorText } from '../../components/Field';

const PAGE = 20;

/** A normalised row as people read it: each message on its own line ("user: …"), other shapes as JSON. */
function RowText({ row }: { row: unknown }): JSX.Element {
  const r = row as { messages?: { role: string; content: unknown }[]; text?: unknown };
  if (Array.isArray(r?.messages))
    return (
      <>
        {r.messages.map((m, i) => (
          <div key={i}>
            <span className="row-role">{m.role}:</span> {typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}
          </div>
        ))}
      </>
    );
  if (typeof r?.text === 'string') return <div>{r.text}</div>;
  return <code>{JSON.stringify(row)}</code>;
}

function RowsView({ d }: { d: DatasetSummary }): JSX.Element {
  const [page, setPage] = useState<{ offset: number; rows: { index: number; row: unknown }[] }>();
  const [error, setError] = useState<ApiError>();
  const load = async (offset: number): Promise<void> => {
    try {
      const r = await api.datasets.rows({ id: d.id, offset, limit: PAGE });
      setPage({ offset, rows: r.rows });
      setError(undefined);
    } catch (err) {
      setError(toApiError(err));
    }
  };
  if (!page && !error) void load(0);
  const last = Math.max(0, Math.ceil(d.valid / PAGE) - 1) * PAGE;
  return (
    <div className="dataset-rows" data-testid="dataset-rows">
      {error && <ErrorText error={error} />}
      {page && (
        <>
          <ol className="dataset-row-list" start={page.offset + 1}>
            {page.rows.map((r) => (
              <li key={r.index}>
                <RowText row={r.row} />
              </li>
            ))}
          </ol>
          <div className="dataset-pager">
            <button type="button" className="btn btn-sm" disabled={page.offset === 0} onClick={() => void load(Math.max(0, page.offset - PAGE))} data-testid="rows-prev">
              Previous
            </button>
            <span className="subtle" data-testid="rows-range">
              Rows {page.offset + 1}–{page.offset + page.rows.length} of {d.valid.toLocaleString('en-US')}
            </span>
            <button type="button" className="btn btn-sm" disabled={page.offset >= last} onClick={() => void load(page.offset + PAGE)} data-testid="rows-next">
              Next
            </button>
          </div>
        </>
      )}
    </div>
  );
}

function DatasetItem({ d, onChanged }: { d: DatasetSummary; onChanged: () => void }): JSX.Element {
  const [renaming, setRenaming] = useState<string>();
  const [deleting, setDeleting] = useState<{ runs: { name: string; status: string }[] }>();
  const [rows, setRows] = useState(false);
  const [error, setError] = useState<ApiError>();
  const rename = async (): Promise<void> => {
    try {
      await api.datasets.rename({ id: d.id, name: (renaming ?? '').trim() });
      setRenaming(undefined);
      onChanged();
    } catch (err) {
      setError(toApiError(err));
    }
  };
  return (
    <li className="dataset-item" data-testid="dataset-item" data-dataset-id={d.id}>
      <div className="dataset-line">
        {renaming === undefined ? (
          <strong data-testid="dataset-name">{d.name}</strong>
        ) : (
          <form className="dataset-rename" onSubmit={(e) => { e.preventDefault(); void rename(); }}>
            <input className="input input-sm" aria-label="Dataset name" value={renaming} onChange={(e) => setRenaming(e.target.value)} maxLength={120} autoFocus data-testid="dataset-rename-input" />
            <button type="submit" className="btn btn-sm btn-primary">Save</button>
            <button type="button" className="btn btn-sm" onClick={() => setRenaming(undefined)}>Cancel</button>
          </form>
        )}
        <span className="subtle">
          {' '}· {d.format} · {d.valid.toLocaleString('en-US')} valid of {d.total.toLocaleString('en-US')}
          {d.invalid ? ` (${d.invalid} left out)` : ''}
        </span>
        <span className="dataset-actions">
          <button type="button" className="btn btn-sm btn-ghost" onClick={() => setRows((v) => !v)} aria-expanded={rows} data-testid="dataset-view">
            {rows ? 'Hide rows' : 'View rows'}
          </button>
          <button type="button" className="btn btn-sm btn-ghost" onClick={() => setRenaming(d.name)} data-testid="dataset-rename">
            Rename
          </button>
          <button
            type="button"
            className="btn btn-sm btn-ghost"
            onClick={() => void api.datasets.usage({ id: d.id }).then((u) => setDeleting({ runs: u.runs }), (err) => setError(toApiError(err)))}
            data-testid="dataset-delete"
          >
            Delete
          </button>
        </span>
      </div>
      {error && <ErrorText error={error} />}
      {rows && <RowsView d={d} />}
      {deleting && (
        <ConfirmDialog
          title={`Delete “${d.name}”?`}
          confirmLabel="Delete dataset"
          cancelLabel="Keep it"
          danger
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await api.datasets.delete({ id: d.id });
            onChanged();
          }}
        >
          {deleting.runs.length ? (
            <>
              {deleting.runs.length === 1 ? 'One run was' : `${deleting.runs.length} runs were`} trained on it:{' '}
              <span data-testid="dataset-delete-runs">{deleting.runs.map((r) => `“${r.name}” (${r.status})`).join(', ')}</span>. They keep their adapters, but
              cannot be resumed or evaluated on their validation split once it is gone.
            </>
          ) : (
            'No run uses it.'
          )}{' '}
          Its imported copy and report go; the file you imported from is not touched.
        </ConfirmDialog>
      )}
    </li>
  );
}

export function DatasetList({ datasets, onChanged }: { datasets: DatasetSummary[]; onChanged: () => void }): JSX.Element {
  return (
    <ul className="data-list">
      {datasets.map((d) => (
        <DatasetItem key={d.id} d={d} onChanged={onChanged} />
      ))}
    </ul>
  );
}
