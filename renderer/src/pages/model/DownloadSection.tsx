// Download from the Hugging Face Hub: repo id (optionally @revision), live progress (bytes, speed, ETA) from the
// server's models.progress events, cancel, clear errors for gated/private/missing repos and offline, and the token.
import { useEffect, useRef, useState, type FormEvent, type JSX } from 'react';
import type { LibraryModel, ModelProgress, TokenStatus } from '../../../../main/api/contract-models';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { ErrorText, Field } from '../../components/Field';
import { formatBytes, formatEta } from './bytes';

export interface DownloadRequest {
  repo: string;
  /** Changes each time the same repo is asked for again (e.g. a catalog button clicked twice). */
  nonce: number;
}

function TokenField(): JSX.Element {
  const [status, setStatus] = useState<TokenStatus>();
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    void api.models.tokenStatus().then(setStatus, () => undefined);
  }, []);
  const where = status?.storage === 'keychain' ? 'the system keychain' : 'a file only you can read, in the library';
  return (
    <details className="token-box" data-testid="hub-token">
      <summary>
        Hugging Face token <span className="muted">({status?.source === 'env' ? 'from HF_TOKEN' : status?.source === 'saved' ? 'saved' : 'none: public models only'})</span>
      </summary>
      <form
        className="input-row"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            setStatus(await api.models.setToken({ token: token.trim() || null }));
            setToken('');
          } catch (err) {
            setError(toApiError(err));
          }
        }}
      >
        <input className="input input-mono" type="password" value={token} onChange={(e) => setToken(e.target.value)} placeholder="hf_…" aria-label="Hugging Face access token" autoComplete="off" />
        <button type="submit" className="btn">
          {token.trim() ? 'Save token' : 'Forget token'}
        </button>
      </form>
      <p className="form-hint">Needed for gated models (Llama, Mistral) after you request access on their page. Kept in {where}; HF_TOKEN, when set, is used instead.</p>
      {error && <ErrorText error={error} context="models.setToken" />}
    </details>
  );
}

export function DownloadSection(props: { request: DownloadRequest | undefined; onDone: (m: LibraryModel) => void; onBusy: (busy: boolean) => void }): JSX.Element {
  const [repo, setRepo] = useState('');
  const [job, setJob] = useState<string>();
  const [progress, setProgress] = useState<ModelProgress>();
  const [error, setError] = useState<ApiError>();
  const [cancelled, setCancelled] = useState(false);
  const jobRef = useRef<string | undefined>(undefined);
  const [partial, setPartial] = useState<{ repo: string; commit: string }[]>([]);
  // Downloads cut by a quit or a crash: their verified files and parts are kept, and Resume continues them.
  useEffect(() => {
    if (job) return;
    let live = true;
    void api.models.downloads().then((d) => live && setPartial(d), () => undefined);
    return () => {
      live = false;
    };
  }, [job]);
  const onBusy = props.onBusy;
  useEffect(() => onBusy(!!job), [job, onBusy]);

  useEffect(() => api.on('models.progress', (p) => {
    if (p.jobId === jobRef.current) setProgress(p);
  }), []);

  async function start(target: string): Promise<void> {
    if (jobRef.current || !target.trim()) return;
    const jobId = crypto.randomUUID();
    jobRef.current = jobId;
    setJob(jobId);
    setProgress(undefined);
    setError(undefined);
    setCancelled(false);
    try {
      const m = await api.models.pull({ repo: target.trim(), jobId });
      props.onDone(m);
      setRepo('');
    } catch (err) {
      const e = toApiError(err);
      if (e.code === 'cancelled') setCancelled(true);
      else setError(e);
    } finally {
      jobRef.current = undefined;
      setJob(undefined);
    }
  }

  // A catalog row's "Download" fills the field and starts.
  const startRef = useRef(start);
  startRef.current = start;
  useEffect(() => {
    if (!props.request) return;
    setRepo(props.request.repo);
    void startRef.current(props.request.repo);
  }, [props.request]);

  const pct = progress && progress.totalBytes > 0 ? Math.min(100, (100 * progress.bytes) / progress.totalBytes) : 0;
  return (
    <section className="card dl-section" aria-labelledby="download-title" data-testid="hub-download-section">
      <h2 id="download-title" className="card-title">
        Download from Hugging Face
      </h2>
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void start(repo);
        }}
        noValidate
      >
        <Field label="Repository" htmlFor="hub-repo">
          <div className="input-row">
            <input
              id="hub-repo"
              className={`input input-mono${error ? ' input-invalid' : ''}`}
              value={repo}
              onChange={(e) => setRepo(e.target.value)}
              placeholder="HuggingFaceTB/SmolLM2-135M-Instruct"
              autoComplete="off"
              spellCheck={false}
              disabled={!!job}
              aria-invalid={error ? true : undefined}
              data-testid="hub-repo"
            />
            <button type="submit" className="btn btn-primary" disabled={!!job || !repo.trim()} data-testid="hub-download">
              Download
            </button>
          </div>
        </Field>
      </form>
      <p className="form-hint">Only what training needs is fetched (safetensors weights, config, tokenizer, chat template, model card); each file is checked against its published hash, and an interrupted download resumes where it stopped.</p>
      {job && (
        <div className="dl-progress" data-testid="hub-progress" role="status" aria-live="polite">
          <div className="dl-bar" aria-hidden="true">
            <span style={{ width: `${pct}%` }} />
          </div>
          <div className="dl-line">
            <span data-testid="hub-progress-bytes">
              {progress ? `${formatBytes(progress.bytes)} of ${formatBytes(progress.totalBytes)}` : 'Asking the hub for the file list…'}
            </span>
            {progress && (
              <span className="muted">
                {formatBytes(progress.bytesPerSecond)}/s · ETA {formatEta(progress.etaSeconds)} · {progress.file} ({progress.filesDone}/{progress.filesTotal} files)
              </span>
            )}
            <button type="button" className="btn btn-sm" onClick={() => void api.models.cancelPull({ jobId: job })} data-testid="hub-cancel">
              Cancel
            </button>
          </div>
        </div>
      )}
      {!job && partial.length > 0 && (
        <ul className="partial-list" data-testid="hub-partial">
          {partial.map((d) => (
            <li key={`${d.repo}@${d.commit}`}>
              <span>
                Interrupted: <code>{d.repo}</code> <span className="muted">@{d.commit.slice(0, 7)}</span>
              </span>
              <button type="button" className="btn btn-sm" onClick={() => void start(`${d.repo}@${d.commit}`)} data-testid="hub-resume">
                Resume
              </button>
            </li>
          ))}
        </ul>
      )}
      {cancelled && (
        <p className="form-hint" data-testid="hub-cancelled">
          Download cancelled; nothing of it was kept.
        </p>
      )}
      {error && <ErrorText error={error} context="models.pull" />}
      <TokenField />
    </section>
  );
}
