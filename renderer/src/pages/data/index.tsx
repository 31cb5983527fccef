// The Data step: pick or drop a dataset, see its detected format (and change it), every left-out row, token lengths,
// the split, and exactly which tokens the model is trained on; then import it into the project.
import { useCallback, useEffect, useState, type DragEvent, type FormEvent, type JSX } from 'react';
import type { DatasetReportView, DatasetSummary, PreviewExample, Project, SplitSummary } from '../../../../main/api/contract';
import { api, transport } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { ErrorText, Field } from '../../components/Field';
import { StepHeader } from '../../components/StepHeader';
import { chosenModel } from '../model/chosen-model';
import type { Notify } from '../../components/Toasts';
import type { Format } from './ReportCard';
import { DataOptions, defaultDataSettings, type DataSettings } from './DataOptions';
import { DatasetList } from './DatasetList';
import { MaskPreview } from './Preview';
import { ReportCard } from './ReportCard';
import { uploadFile } from './upload';
import './data.css';
import { LearnLink } from '../learn/LearnLink';

type Source = { path: string } | { uploadId: string; name: string };

const kb = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);

export function DataPage({ project, notify }: { project?: Project; notify?: Notify } = {}): JSX.Element {
  const [path, setPath] = useState('');
  // The file picked or dropped, shown at once (name and size), before the upload and check finish.
  const [picked, setPicked] = useState<{ name: string; size: number }>();
  // After an import: what was imported (the button says so, and Train is one click away); or a duplicate to decide on.
  const [imported, setImported] = useState<DatasetSummary>();
  const [duplicate, setDuplicate] = useState<ApiError>();
  const [source, setSource] = useState<Source>();
  const [format, setFormat] = useState<Format | ''>('');
  const [settings, setSettings] = useState<DataSettings>(() => defaultDataSettings(chosenModel(project?.id) ?? ''));
  const { tokenizerPath, template, mask, maxLen, policy, valFraction } = settings;
  const [report, setReport] = useState<DatasetReportView & { split?: SplitSummary }>();
  const [preview, setPreview] = useState<PreviewExample[]>();
  const [shown, setShown] = useState<{ line: number; lines: { line: number; text: string }[] }>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState<string>();
  const [datasets, setDatasets] = useState<DatasetSummary[]>([]);
  const [dragging, setDragging] = useState(false);
  // The running inspect/import: its id (for cancel) and the server's progress events for it.
  const [job, setJob] = useState<{ id: string; bytesRead: number; totalBytes: number; rows: number }>();
  useEffect(
    () =>
      api.on('datasets.progress', (p) => {
        setJob((j) => (j && j.id === p.jobId ? { ...j, bytesRead: p.bytesRead, totalBytes: p.totalBytes, rows: p.rows } : j));
      }),
    [],
  );
  const startJob = (): string => {
    const id = crypto.randomUUID();
    setJob({ id, bytesRead: 0, totalBytes: 0, rows: 0 });
    return id;
  };
  // A browser upload in flight: cancelling it stops the transfer (the server removes the partial file).
  const [upload, setUpload] = useState<{ abort: AbortController; sent: number; total: number }>();
  const cancelJob = (): void => {
    if (upload) upload.abort.abort();
    else if (job) void api.datasets.cancel({ jobId: job.id });
  };

  const loadDatasets = useCallback(async () => {
    if (project) setDatasets(await api.datasets.list({ projectId: project.id }).catch(() => []));
  }, [project]);
  useEffect(() => {
    void loadDatasets();
  }, [loadDatasets]);

  const inspect = useCallback(
    async (src: Source, fmt: Format | '') => {
      setBusy('Reading and checking every row…');
      setError(undefined);
      setShown(undefined);
      setPreview(undefined);
      const tok = tokenizerPath.trim() || undefined;
      const common = { source: src, ...(fmt ? { format: fmt } : {}) };
      const tokenArgs = tok ? { tokenizerPath: tok, mask, maxLen, policy, ...(template ? { template } : {}) } : {};
      try {
        // Seed 42, the training config's default: the rows held out here are the rows a run holds out.
        const r = await api.datasets.inspect({ ...common, ...tokenArgs, valFraction, seed: 42, jobId: startJob() });
        setReport(r);
        if (tok && r.valid > 0) setPreview(await api.datasets.preview({ ...common, ...tokenArgs, tokenizerPath: tok, count: 3 }));
      } catch (err) {
        setReport(undefined);
        setError(toApiError(err));
      } finally {
        setBusy(undefined);
        setJob(undefined);
      }
    },
    [tokenizerPath, mask, maxLen, policy, template, valFraction],
  );

  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    if (!path.trim()) return;
    const src = { path: path.trim() };
    setSource(src);
    setPicked(undefined);
    setImported(undefined);
    void inspect(src, format);
  };

  // "Try the demo data": Lathe's bundled contact notes, checked like any file.
  const tryDemo = async (): Promise<void> => {
    try {
      const demo = (await api.datasets.demos())[0];
      if (!demo) return;
      setPath(demo.path);
      setPicked(undefined);
      setImported(undefined);
      const src = { path: demo.path };
      setSource(src);
      await inspect(src, format);
    } catch (err) {
      setError(toApiError(err));
    }
  };

  const onFile = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    setPicked({ name: file.name, size: file.size });
    setImported(undefined);
    setBusy(`Uploading ${file.name}…`);
    setError(undefined);
    const abort = new AbortController();
    setUpload({ abort, sent: 0, total: file.size });
    let u: Awaited<ReturnType<typeof uploadFile>>;
    try {
      u = await uploadFile(file, { signal: abort.signal, onProgress: (sent, total) => setUpload((x) => (x?.abort === abort ? { ...x, sent, total } : x)) });
    } catch (err) {
      const e = toApiError(err);
      // A cancel is the user's choice, not an error: the file is let go and the page is as before it was picked.
      if (e.code === 'upload.cancelled') {
        setPicked(undefined);
        notify?.(`Upload of ${file.name} cancelled; nothing was kept.`);
      } else setError(e);
      setBusy(undefined);
      return;
    } finally {
      setUpload(undefined);
    }
    try {
      const src = { uploadId: u.uploadId, name: u.name };
      setSource(src);
      setPath('');
      await inspect(src, format);
    } catch (err) {
      setError(toApiError(err));
      setBusy(undefined);
    }
  };

  const onDrop = (e: DragEvent): void => {
    e.preventDefault();
    setDragging(false);
    void onFile(e.dataTransfer.files[0]);
  };

  const showLine = async (line: number): Promise<void> => {
    if (!source) return;
    try {
      setShown({ line, lines: await api.datasets.rawLines({ source, line, context: 2 }) });
    } catch (err) {
      setError(toApiError(err));
    }
  };

  const doImport = async (again = false): Promise<void> => {
    if (!source || !project) return;
    setBusy('Importing…');
    setError(undefined);
    setDuplicate(undefined);
    try {
      const base = 'path' in source ? source.path.split(/[\\/]/).pop() : source.name;
      // The settings chosen here go with the dataset: a run on it starts from them (the New run form says so).
      const training = { validationFraction: valFraction, seqLen: Math.max(16, maxLen), lossMask: mask, lengthPolicy: policy, ...(template ? { template } : {}) };
      const r = await api.datasets.import({ source, projectId: project.id, ...(format ? { format } : {}), jobId: startJob(), training, ...(again ? { allowDuplicate: true, name: `${base} (${datasets.length + 1})` } : {}) });
      setImported(r.dataset);
      notify?.(`Imported “${r.dataset.name}”: ${r.dataset.valid.toLocaleString('en-US')} rows`);
      await loadDatasets();
    } catch (err) {
      const e = toApiError(err);
      if (e.code === 'datasets.duplicate') setDuplicate(e);
      else setError(e);
    } finally {
      setBusy(undefined);
      setJob(undefined);
    }
  };

  return (
    <div className="page data-page" data-testid="data-page">
      <StepHeader step="data" subtitle="Bring a JSONL, JSON, CSV/TSV, Parquet or text file. Every row is checked; nothing is dropped without being listed." />

      <form className="card data-source" onSubmit={onSubmit}>
        <div
          className={`data-drop${dragging ? ' data-drop-active' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          data-testid="drop-zone"
        >
          {transport !== 'electron' ? 'Drop a dataset file here, or ' : 'Drop a file here, or '}
          <label className="btn btn-sm">
            choose a file
            <input type="file" className="visually-hidden" data-testid="file-input" accept=".jsonl,.ndjson,.json,.csv,.tsv,.parquet,.txt,.md" onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                void onFile(file);
              }} />
          </label>
          {' '}or{' '}
          <button type="button" className="btn btn-sm btn-ghost" onClick={() => void tryDemo()} disabled={!!busy} data-testid="try-demo">
            try the demo data
          </button>
          {picked && (
            <div className="subtle" data-testid="picked-file">
              Chosen: <strong>{picked.name}</strong> · {kb(picked.size)}
            </div>
          )}
        </div>
        <Field label="…or a path on the machine running Lathe" htmlFor="data-path">
          <input id="data-path" className="input" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/data/train.jsonl" data-testid="data-path" />
        </Field>
        <DataOptions value={settings} onChange={(patch) => setSettings((v) => ({ ...v, ...patch }))} />
        <div className="data-actions">
          <button type="submit" className="btn btn-primary" disabled={!!busy || !path.trim()} data-testid="inspect">
            Check dataset
          </button>
          {busy && (
            <span className="data-busy" role="status" data-testid="data-progress">
              {busy}
              {upload && upload.total > 0 && ` ${Math.floor((100 * upload.sent) / upload.total)}% of ${kb(upload.total)}`}
              {job && job.totalBytes > 0 && ` ${Math.floor((100 * job.bytesRead) / job.totalBytes)}% · ${job.rows.toLocaleString()} rows`}
            </span>
          )}
          {(job || upload) && (
            <button type="button" className="btn" onClick={cancelJob} data-testid="data-cancel">
              Cancel
            </button>
          )}
        </div>
        {error && <ErrorText error={error} context="datasets.inspect" />}
      </form>

      {report && (
        <ReportCard
          report={report}
          format={format}
          onFormat={(f) => {
            setFormat(f);
            if (source) void inspect(source, f);
          }}
          shown={shown}
          onShowLine={(l) => void showLine(l)}
          project={project}
          busy={!!busy}
          imported={imported}
          duplicate={duplicate}
          onImport={(again) => void doImport(again)}
          onKeepExisting={() => setDuplicate(undefined)}
        />
      )}

      {preview && preview.length > 0 && (
        <section className="card">
          <h2 className="card-title">What the model is trained on</h2>
          <p className="form-hint">
            <LearnLink section="sft">Why are only some tokens trained?</LearnLink>
          </p>
          <MaskPreview examples={preview} />
        </section>
      )}

      {project && datasets.length > 0 && (
        <section className="card" data-testid="dataset-list">
          <h2 className="card-title">Datasets in this project</h2>
          <DatasetList datasets={datasets} onChanged={() => void loadDatasets()} />
        </section>
      )}
    </div>
  );
}
