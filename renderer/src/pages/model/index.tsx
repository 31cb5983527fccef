// The Model step: the project's base model (read fresh from disk), the model library as cards with the demo model one
// click away, download from the Hugging Face Hub, the catalog with fit estimates, and a folder on this machine.
import { useCallback, useEffect, useRef, useState, type FormEvent, type JSX } from 'react';
import type { ModelSummary, Project } from '../../../../main/api/contract';
import type { LibraryModel } from '../../../../main/api/contract-models';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { ErrorText, Field } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { NeedsProject } from '../../components/NeedsProject';
import { StepHeader } from '../../components/StepHeader';
import { useApiQuery } from '../../hooks/useApiQuery';
import { CatalogSection } from './CatalogSection';
import { chosenModel, recentModels, setChosenModel } from './chosen-model';
import { desktop } from './desktop';
import { DownloadSection, type DownloadRequest } from './DownloadSection';
import { LibrarySection } from './LibrarySection';
import { ModelSummaryCard } from './ModelSummaryCard';
import { SkeletonCard } from './SkeletonCard';
import './model.css';
import './library.css';

export function ModelPage({ project }: { project: Project | undefined }): JSX.Element {
  const projectId = project?.id;
  const [path, setPath] = useState(() => chosenModel(projectId) ?? '');
  const [summary, setSummary] = useState<ModelSummary>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const [recent, setRecent] = useState(recentModels);
  const [chosenId, setChosenId] = useState<string | null>(null);
  const [download, setDownload] = useState<DownloadRequest>();
  const [downloading, setDownloading] = useState(false);
  const [copy, setCopy] = useState(false);
  const [addError, setAddError] = useState<ApiError>();
  const library = useApiQuery<LibraryModel[]>(() => api.models.list());
  const seq = useRef(0);
  const inputRef = useRef<HTMLInputElement>(null);
  // Set once the user types, drops or picks a folder: the project's saved model, read asynchronously, must not then
  // overwrite what they entered (it used to blank the field and disable Inspect when it arrived late).
  const userEdited = useRef(false);

  const inspect = useCallback(
    async (target: string, opts: { fromLibrary?: boolean } = {}) => {
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
        if (projectId && !opts.fromLibrary) {
          // A folder typed by hand: the project uses the library entry for it when there is one, else the path itself.
          const entry = (await api.models.list()).find((m) => m.dir === s.dir);
          await api.models.useInProject({ projectId, modelId: entry?.id ?? null });
          if (mine === seq.current) setChosenId(entry?.id ?? null);
        }
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

  // Coming back to the step (or reloading) shows the project's model again, read fresh from disk: the library entry
  // the project names, else a folder path kept from before the library existed.
  useEffect(() => {
    setSummary(undefined);
    setError(undefined);
    setChosenId(null);
    userEdited.current = false;
    if (!projectId) return;
    let live = true;
    void api.models.forProject({ projectId }).then(
      (m) => {
        if (!live) return;
        const saved = m?.dir ?? chosenModel(projectId);
        setChosenId(m?.id ?? null);
        if (userEdited.current) return;
        setPath(saved ?? '');
        if (saved) void inspect(saved, { fromLibrary: true });
      },
      (err: unknown) => live && setError(toApiError(err)),
    );
    return () => {
      live = false;
    };
  }, [projectId, inspect]);

  const use = useCallback(
    async (m: LibraryModel) => {
      if (!projectId) return;
      await api.models.useInProject({ projectId, modelId: m.id });
      setChosenId(m.id);
      await inspect(m.dir, { fromLibrary: true });
    },
    [projectId, inspect],
  );

  if (!project) {
    return (
      <section className="page" aria-labelledby="page-title" data-testid="model-page">
        <StepHeader step="model" subtitle="Pick the open model to fine-tune, from your model library, the Hugging Face Hub or a folder on this machine." />
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

  const inLibrary = summary ? library.data?.find((m) => m.dir === summary.dir) : undefined;
  const otherRecent = recent.filter((p) => p !== summary?.dir);
  return (
    <section className="page" aria-labelledby="page-title" data-testid="model-page">
      <StepHeader step="model" subtitle="Pick the open model to fine-tune, from your model library, the Hugging Face Hub or a folder on the machine running Lathe. Nothing is uploaded." />

      {busy && !summary ? (
        <SkeletonCard />
      ) : summary ? (
        <>
          <ModelSummaryCard model={summary} projectName={project.name} />
          {!inLibrary && (
            <div className="add-library" data-testid="model-add-library-box">
              <span className="form-hint">This folder is not in the library yet. Add it to reuse it in other projects.</span>
              <label className="check-label">
                <input type="checkbox" checked={copy} onChange={(e) => setCopy(e.target.checked)} /> Copy the files into the library
              </label>
              <button
                type="button"
                className="btn btn-sm"
                data-testid="model-add-library"
                onClick={async () => {
                  setAddError(undefined);
                  try {
                    const m = await api.models.import({ path: summary.dir, copy });
                    library.reload();
                    await use(m);
                  } catch (err) {
                    setAddError(toApiError(err));
                  }
                }}
              >
                Add to library
              </button>
              {addError && <ErrorText error={addError} context="models.import" />}
            </div>
          )}
          <div className="form-actions">
            <span className="form-hint">Next, import the data to train on; the Train step starts from this model.</span>
            <a className="btn" href="#/data" data-testid="model-next">
              Continue to Data <Icon name="arrow" />
            </a>
          </div>
        </>
      ) : (
        !error && (
          <div className="card model-none" data-testid="model-empty">
            <p className="form-hint">
              No base model chosen for this project yet. Use one from the library below, download one from Hugging Face, or point at a folder on this machine. Lathe reads config.json and the safetensors weights only; pickle checkpoints (.bin, .pt) are refused.
            </p>
          </div>
        )
      )}

      <LibrarySection models={library.data} error={library.error} chosenId={chosenId} onUse={(m) => void use(m)} onChanged={library.reload} />

      <DownloadSection
        request={download}
        onBusy={setDownloading}
        onDone={(m) => {
          library.reload();
          void use(m);
        }}
      />

      <CatalogSection downloading={downloading} onDownload={(repo) => setDownload({ repo, nonce: Date.now() })} />

      <form
        className="card model-form"
        onSubmit={submit}
        aria-label="Model folder"
        noValidate
        // Desktop app: a folder dropped here is read like a typed path (web mode cannot see the browser's file paths).
        onDragOver={(e) => {
          if (desktop) e.preventDefault();
        }}
        onDrop={(e) => {
          const file = e.dataTransfer.files[0];
          const dropped = desktop && file ? desktop.pathForFile(file) : '';
          if (!dropped) return;
          e.preventDefault();
          userEdited.current = true;
          setPath(dropped);
          void inspect(dropped);
        }}
      >
        <Field label="Model folder" htmlFor="model-path">
          <div className="input-row">
            <input
              id="model-path"
              ref={inputRef}
              className={`input input-mono${error ? ' input-invalid' : ''}`}
              value={path}
              onChange={(e) => {
                userEdited.current = true;
                setPath(e.target.value);
              }}
              placeholder="/home/me/models/SmolLM2-135M-Instruct"
              autoComplete="off"
              spellCheck={false}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? 'model-path-error' : 'model-path-hint'}
              data-testid="model-path"
            />
            {desktop && (
              <button
                type="button"
                className="btn"
                disabled={busy}
                onClick={async () => {
                  const picked = await desktop!.pickFolder({ title: 'Choose a Hugging Face model folder' });
                  if (!picked) return;
                  userEdited.current = true;
                  setPath(picked);
                  void inspect(picked);
                }}
              >
                Browse…
              </button>
            )}
            <button type="submit" className="btn btn-primary" disabled={busy || !path.trim()} data-testid="model-inspect">
              {busy ? 'Reading…' : summary && summary.dir === path.trim() ? 'Reload' : 'Inspect'}
            </button>
          </div>
        </Field>
        {error ? (
          <ErrorText error={error} id="model-path-error" context="models.inspect" />
        ) : (
          <p className="form-hint" id="model-path-hint">
            A Hugging Face model folder already on this machine{desktop ? ': browse, drop it here, or type its path' : ' (the absolute path, as on the server’s disk)'}. Supported: Llama, Mistral, Qwen2 and Qwen3 families in safetensors.
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
    </section>
  );
}
