// One project in the list: open it, rename it in place (Enter saves, Esc cancels), or ask to delete it.
import { useEffect, useRef, useState, type FormEvent, type JSX } from 'react';
import type { Project } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { ErrorText } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { hueOf, initials, relativeTime } from '../../format';

export function ProjectRow(props: {
  project: Project;
  active: boolean;
  highlighted: boolean;
  onOpen: (p: Project) => void;
  onRenamed: (p: Project) => void;
  onDelete: (p: Project) => void;
}): JSX.Element {
  const { project: p } = props;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(p.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const inputRef = useRef<HTMLInputElement>(null);
  const renameBtn = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (editing) inputRef.current?.select();
  }, [editing]);

  function startEdit(): void {
    setDraft(p.name);
    setError(undefined);
    setEditing(true);
  }

  function stopEdit(): void {
    setEditing(false);
    setError(undefined);
    // Return focus to where the user started, for keyboard users.
    requestAnimationFrame(() => renameBtn.current?.focus());
  }

  async function save(e: FormEvent): Promise<void> {
    e.preventDefault();
    if (busy) return;
    if (draft === p.name) return stopEdit();
    setBusy(true);
    setError(undefined);
    try {
      const updated = await api.projects.rename({ id: p.id, name: draft });
      setBusy(false);
      props.onRenamed(updated);
      stopEdit();
    } catch (err) {
      setError(toApiError(err));
      setBusy(false);
      inputRef.current?.focus();
    }
  }

  const updated = relativeTime(p.updatedAt);
  return (
    <li
      className={`project-row${props.active ? ' is-active' : ''}${props.highlighted ? ' is-new' : ''}${editing ? ' is-editing' : ''}`}
      data-testid="project-row"
      data-project-id={p.id}
    >
      <span className="avatar" style={{ ['--hue' as string]: hueOf(p.id) }} aria-hidden="true">
        {initials(p.name)}
      </span>
      {editing ? (
        <form className="rename-form" onSubmit={save} aria-label={`Rename ${p.name}`}>
          <input
            ref={inputRef}
            className={`input input-sm${error ? ' input-invalid' : ''}`}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.preventDefault();
                stopEdit();
              }
            }}
            aria-label="New name"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `rename-error-${p.id}` : undefined}
            disabled={busy}
            data-testid="rename-input"
          />
          <div className="rename-actions">
            <button type="submit" className="btn btn-primary btn-sm" disabled={busy}>
              Save
            </button>
            <button type="button" className="btn btn-sm" onClick={stopEdit} disabled={busy}>
              Cancel
            </button>
          </div>
          {error && <ErrorText error={error} id={`rename-error-${p.id}`} context="projects.rename" />}
        </form>
      ) : (
        // Its accessible name is what it shows (name, description): a different aria-label would hide the visible text
        // from speech-input users (WCAG 2.5.3); the title says what a click does.
        <button type="button" className="project-open" onClick={() => props.onOpen(p)} title={`Open project ${p.name}`}>
          <span className="project-name" data-testid="project-name">
            {p.name}
          </span>
          <span className={`project-desc${p.description ? '' : ' is-empty'}`}>{p.description || 'No description'}</span>
        </button>
      )}
      {!editing && (
        <>
          <span className="project-meta" title={`Created ${new Date(p.createdAt).toLocaleString()}\nUpdated ${new Date(p.updatedAt).toLocaleString()}`}>
            {props.active && <span className="pill pill-accent">Open</span>}
            <span>{updated ? `Updated ${updated}` : ''}</span>
          </span>
          <span className="row-actions">
            <button type="button" ref={renameBtn} className="icon-btn" onClick={startEdit} aria-label={`Rename ${p.name}`} title="Rename">
              <Icon name="pencil" />
            </button>
            <button type="button" className="icon-btn icon-btn-danger" onClick={() => props.onDelete(p)} aria-label={`Delete ${p.name}`} title="Delete…">
              <Icon name="trash" />
            </button>
          </span>
        </>
      )}
    </li>
  );
}
