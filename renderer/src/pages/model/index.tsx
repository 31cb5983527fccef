// The Model step: type the path of a Hugging Face model folder on the machine running Lathe, see what models.inspect
// reads from it, and keep it as the project's base model (the Train step's default).
import { useCallback, useEffect, useRef, useState, type FormEvent, type JSX } from 'react';
import type { ModelSummary, Project } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { ErrorText, Field } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { NeedsProject } from '../../components/NeedsProject';
import { StepHeader } from '../../components/StepHeader';
import { chosenModel, recentModels, setChosenModel } from './chosen-model';
import { ModelSummaryCard } from './ModelSummaryCard';
import './model.css';

function SkeletonCard(): JSX.Element {
  return (
    <div className="card model-card skeleton" aria-busy="true" aria-label="Reading the model folder" data-testid="model-loading">
      <div className="skeleton-lines">
        <span />
        <span />
      </div>
      <div className="stat-row">
        {[0, 1, 2, 3, 4].map((i) => (
          <div key={i} className="stat">
            <div className="skeleton-lines">
              <span />
              <span />
            </div>
          </div>
        ))}
      </div>
    </div>
  );
}

export function ModelPage({ project }: { project: Project | undefined }): JSX.Element {
  const projectId = project?.id;
  const [path, setPath] = useState(() => chosenModel(projectId) ?? '');
  const [summary, setSummary] = useState<ModelSummary>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const [recent, setRecent] = useState(recentModels);
  const seq = useRef(0);
  const inputRef = useRef<HTMLInputElement>(null);

  const inspect = useCallback(
    async (target: string) => {
      const mine = ++seq.current;
      setBusy(true);
      setError(undefined);
      try {
        const s = await api.models.inspect({ path: target.trim() });
        if (mine !== seq.current) return;
        setSummary(s);
        if (projectId) setChosenModel(projectId, s.dir);
        setPath(s.dir);
        setRecent(recentModels());
      } catch (err) {
        if (mine !== seq.current) return;
        setSummary(undefined);
        setError(toApiError(err));
        inputRef.current?.focus();
      } finally {
        if (mine === seq.current) setBusy(false);
      }
    },
    [projectId],
  );

  // Coming back to the step (or reloading) shows the project's model again, read fresh from disk.
  useEffect(() => {
    const saved = chosenModel(projectId);
    setSummary(undefined);
    setError(undefined);
    setPath(saved ?? '');
    if (saved) void inspect(saved);
  }, [projectId, inspect]);

  if (!project) {
    return (
      <section className="page" aria-labelledby="page-title" data-testid="model-page">
        <StepHeader step="model" subtitle="Pick the open model to fine-tune: a Hugging Face folder on this machine. Nothing is uploaded." />
        <NeedsProject icon="model" text="The base model is chosen per project. Open or create one, then come back to pick its model." />
      </section>
    );
  }

  function submit(e: FormEvent): void {
    e.preventDefault();
    if (!path.trim()) {
      setError(undefined);
      inputRef.current?.focus();
      return;
    }
    void inspect(path);
  }

  const otherRecent = recent.filter((p) => p !== summary?.dir);
  return (
    <section className="page" aria-labelledby="page-title" data-testid="model-page">
      <StepHeader step="model" subtitle="Pick the open model to fine-tune: a Hugging Face folder on the machine running Lathe. Nothing is uploaded." />

      <form className="card model-form" onSubmit={submit} aria-label="Model folder" noValidate>
        <Field label="Model folder" htmlFor="model-path">
          <div className="input-row">
            <input
              id="model-path"
              ref={inputRef}
              className={`input input-mono${error ? ' input-invalid' : ''}`}
              value={path}
              onChange={(e) => setPath(e.target.value)}
              placeholder="/home/me/models/SmolLM2-135M-Instruct"
              autoComplete="off"
              spellCheck={false}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? 'model-path-error' : 'model-path-hint'}
              data-testid="model-path"
            />
            <button type="submit" className="btn btn-primary" disabled={busy || !path.trim()} data-testid="model-inspect">
              {busy ? 'Reading…' : summary && summary.dir === path.trim() ? 'Reload' : 'Inspect'}
            </button>
          </div>
        </Field>
        {error ? (
          <ErrorText error={error} id="model-path-error" context="models.inspect" />
        ) : (
          <p className="form-hint" id="model-path-hint">
            The absolute path of the folder, as on the server’s disk. Supported: Llama, Mistral, Qwen2 and Qwen3 families in safetensors.
          </p>
        )}
        {otherRecent.length > 0 && (
          <div className="recent" aria-label="Recently used models">
            <span className="recent-label">Recent</span>
            {otherRecent.map((p) => (
              <button
                key={p}
                type="button"
                className="recent-chip"
                title={p}
                onClick={() => {
                  setPath(p);
                  void inspect(p);
                }}
              >
                {p.replace(/[\\/]+$/, '').split(/[\\/]/).pop()}
              </button>
            ))}
          </div>
        )}
      </form>

      {busy && !summary ? (
        <SkeletonCard />
      ) : summary ? (
        <>
          <ModelSummaryCard model={summary} projectName={project.name} />
          <div className="form-actions">
            <span className="form-hint">Next, import the data to train on; the Train step starts from this model.</span>
            <a className="btn" href="#/data" data-testid="model-next">
              Continue to Data <Icon name="arrow" />
            </a>
          </div>
        </>
      ) : (
        !error && (
          <ul className="plan-grid" data-testid="model-empty">
            <li className="plan-card">
              <h2 className="plan-title">Llama-family decoders</h2>
              <p className="plan-text">Llama 2 and 3.x, Mistral, Qwen2/2.5, Qwen3, SmolLM and TinyLlama, from config.json and safetensors shards.</p>
            </li>
            <li className="plan-card">
              <h2 className="plan-title">Where to get one</h2>
              <p className="plan-text">
                Download a model folder from Hugging Face (e.g. <code>huggingface-cli download</code>), then paste its path above.
              </p>
            </li>
            <li className="plan-card">
              <h2 className="plan-title">Read, never run</h2>
              <p className="plan-text">Lathe reads config.json and the safetensors headers only; pickle checkpoints (.bin, .pt) are refused.</p>
            </li>
          </ul>
        )
      )}
    </section>
  );
}
