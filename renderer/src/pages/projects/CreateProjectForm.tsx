// The "New project" card: name and optional description; the server validates and its message + hint show inline.
import { useEffect, useRef, useState, type FormEvent, type JSX } from 'react';
import type { Project } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { ErrorText, Field } from '../../components/Field';

export function CreateProjectForm(props: { onCreated: (p: Project) => void; onCancel: () => void }): JSX.Element {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const nameRef = useRef<HTMLInputElement>(null);

  useEffect(() => nameRef.current?.focus(), []);

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      // No client-side rules: the server's validation is the one source of truth, and its message says what to fix.
      const p = await api.projects.create({ name, ...(description.trim() ? { description: description.trim() } : {}) });
      props.onCreated(p);
    } catch (err) {
      setError(toApiError(err));
      setBusy(false);
      nameRef.current?.focus();
    }
  }

  return (
    <form
      className="card create-card"
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !busy) {
          e.preventDefault();
          props.onCancel();
        }
      }}
      aria-labelledby="create-title"
      data-testid="create-form"
    >
      <h2 id="create-title" className="card-title">
        New project
      </h2>
      <Field label="Name" htmlFor="project-name">
        <input
          id="project-name"
          ref={nameRef}
          className={`input${error ? ' input-invalid' : ''}`}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            // The error goes as soon as the name would pass (1 to 120 characters, the server's rule).
            const n = e.target.value.trim().length;
            if (error && n >= 1 && n <= 120) setError(undefined);
          }}
          placeholder="e.g. Support assistant, Legal summaries"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'project-name-error' : undefined}
        />
      </Field>
      {error && <ErrorText error={error} id="project-name-error" context="projects.create" />}
      <Field label="Description" htmlFor="project-description" optional>
        <textarea
          id="project-description"
          className="input textarea"
          rows={2}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          placeholder="What should the fine-tuned model be good at?"
          onKeyDown={(e) => {
            // Ctrl/Cmd+Enter submits from the multi-line field, as in most desktop apps.
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit(e);
          }}
        />
      </Field>
      <div className="form-actions">
        <span className="form-hint">
          <kbd>Enter</kbd> to create · <kbd>Esc</kbd> to cancel
        </span>
        <button type="button" className="btn" onClick={props.onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="create-submit">
          {busy ? 'Creating…' : 'Create project'}
        </button>
      </div>
    </form>
  );
}
