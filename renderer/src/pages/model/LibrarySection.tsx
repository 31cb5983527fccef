// The model library as cards (name, size, architecture, source, licence, chat template) with search, "Use in this
// project", delete (asking first, listing the runs that use the model), and the one-click demo model when it is empty.
import { useEffect, useMemo, useState, type JSX } from 'react';
import type { FitVerdict, LibraryModel, ModelUse } from '../../../../main/api/contract-models';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorText } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { formatBytes } from './bytes';
import { FitBadge } from './FitBadge';
import { formatParams } from './ModelSummaryCard';

function sourceText(m: LibraryModel): string {
  if (m.source.kind === 'hub') return `Hugging Face · ${m.source.repo}${m.source.revision && m.source.revision !== 'main' ? `@${m.source.revision}` : ''}`;
  if (m.source.kind === 'demo') return 'Generated demo model';
  return m.linked ? `Linked folder · ${m.dir}` : 'Copied into the library';
}

export function DemoButton(props: { onAdded: (m: LibraryModel) => void; primary?: boolean }): JSX.Element {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  return (
    <div className="demo-action">
      <button
        type="button"
        className={`btn${props.primary ? ' btn-primary' : ''}`}
        disabled={busy}
        data-testid="model-demo"
        onClick={async () => {
          setBusy(true);
          setError(undefined);
          try {
            props.onAdded(await api.models.addDemo());
          } catch (err) {
            setError(toApiError(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <Icon name="model" /> {busy ? 'Generating the demo model…' : 'Try it with a tiny demo model'}
      </button>
      {error && <ErrorText error={error} context="models.addDemo" />}
    </div>
  );
}

type Fit = { seqLen: number; plannedBytes: number; fit: FitVerdict };

function LibraryCard(props: { model: LibraryModel; fit: Fit | undefined; chosen: boolean; onUse: () => void; onDelete: () => void }): JSX.Element {
  const m = props.model;
  return (
    <li className={`lib-card${props.chosen ? ' lib-card-chosen' : ''}`} data-testid="library-card" data-model-id={m.id}>
      <div className="lib-card-head">
        <span className="model-card-icon">
          <Icon name="model" size={18} />
        </span>
        <div className="lib-card-title">
          <h3 className="lib-card-name" data-testid="library-card-name" title={m.name}>
            {m.name}
          </h3>
          <div className="lib-card-source" title={sourceText(m)}>
            {sourceText(m)}
          </div>
        </div>
      </div>
      <dl className="lib-card-facts">
        <div>
          <dt>Parameters</dt>
          <dd>{formatParams(m.parameterCount)}</dd>
        </div>
        <div>
          <dt>Size</dt>
          <dd>{formatBytes(m.sizeBytes)}</dd>
        </div>
        <div>
          <dt>Architecture</dt>
          <dd>{m.architecture}</dd>
        </div>
        <div>
          <dt>Licence</dt>
          <dd>{m.license ?? 'unknown'}</dd>
        </div>
      </dl>
      <div className="lib-card-badges">
        {props.fit && <FitBadge {...props.fit} testId="library-card-fit" />}
        <span className={`badge ${m.hasChatTemplate ? 'badge-ok' : 'badge-muted'}`}>{m.hasChatTemplate ? 'Chat template' : 'No chat template'}</span>
        <span className="badge badge-muted">{m.dtype}</span>
      </div>
      <div className="lib-card-actions">
        {props.chosen ? (
          <span className="pill pill-accent" data-testid="library-card-chosen">
            <Icon name="check" size={12} /> Used in this project
          </span>
        ) : (
          <button type="button" className="btn btn-sm btn-primary" onClick={props.onUse} data-testid="library-use">
            Use in this project
          </button>
        )}
        <button type="button" className="icon-btn" onClick={props.onDelete} aria-label={`Remove ${m.name} from the library`} title="Remove from the library" data-testid="library-delete">
          <Icon name="trash" size={15} />
        </button>
      </div>
    </li>
  );
}

export function LibrarySection(props: {
  models: LibraryModel[] | undefined;
  error: ApiError | undefined;
  chosenId: string | null;
  onUse: (m: LibraryModel) => void;
  onChanged: () => void;
}): JSX.Element {
  const [query, setQuery] = useState('');
  const [deleting, setDeleting] = useState<{ model: LibraryModel; uses: ModelUse[] }>();
  const [fits, setFits] = useState<Record<string, Fit>>({});
  // Each model's QLoRA plan is computed once in the engine host; the badge appears when it arrives.
  useEffect(() => {
    if (!props.models?.length) return;
    let live = true;
    void api.models.fit().then((f) => live && setFits(f), () => undefined);
    return () => {
      live = false;
    };
  }, [props.models]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (props.models ?? []).filter((m) => !q || [m.name, m.architecture, m.source.repo ?? '', m.license ?? ''].some((s) => s.toLowerCase().includes(q)));
  }, [props.models, query]);

  return (
    <section className="card lib-section" aria-labelledby="library-title" data-testid="model-library">
      <header className="section-head">
        <h2 id="library-title" className="card-title">
          Model library
        </h2>
        {(props.models?.length ?? 0) > 0 && (
          <label className="lib-search">
            <Icon name="search" size={14} />
            <input className="input input-sm" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Search models" aria-label="Search the model library" data-testid="library-search" />
          </label>
        )}
      </header>
      {props.error && <ErrorText error={props.error} />}
      {props.models && props.models.length === 0 && (
        <div className="lib-empty" data-testid="library-empty">
          <p className="form-hint">
            No models yet. Models are kept once in the library and shared by every project. Start with the tiny demo model (generated here, nothing to download), download one below, or add a folder you already have.
          </p>
          <DemoButton primary onAdded={(m) => {
            props.onChanged();
            props.onUse(m);
          }} />
        </div>
      )}
      {shown.length > 0 && (
        <ul className="lib-grid">
          {shown.map((m) => (
            <LibraryCard
              key={m.id}
              model={m}
              fit={fits[m.id]}
              chosen={m.id === props.chosenId}
              onUse={() => props.onUse(m)}
              onDelete={async () => setDeleting({ model: m, uses: await api.models.usage({ id: m.id }).catch(() => []) })}
            />
          ))}
        </ul>
      )}
      {props.models && props.models.length > 0 && shown.length === 0 && <p className="form-hint">No model matches “{query}”.</p>}
      {deleting && (
        <ConfirmDialog
          title={`Remove ${deleting.model.name}?`}
          confirmLabel="Remove"
          danger
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await api.models.delete({ id: deleting.model.id, force: deleting.uses.length > 0 });
            props.onChanged();
          }}
        >
          {deleting.uses.length > 0 ? (
            <>
              <p>These runs use it; they keep their results, but cannot be resumed or compared without it:</p>
              <ul className="dialog-list" data-testid="delete-uses">
                {deleting.uses.map((u) => (
                  <li key={u.runId}>
                    {u.runName} <span className="muted">({u.status})</span>
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p>No run uses it.</p>
          )}
          <p>{deleting.model.linked ? 'It is a linked folder: the folder itself stays where it is.' : 'Its files are deleted from the library.'}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
