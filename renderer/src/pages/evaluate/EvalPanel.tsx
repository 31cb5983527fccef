// Run one evaluation of the chosen run (validation split, an imported dataset, the forgetting probe, a text file or an
// eval set) and show base vs adapter: figures, the loss-by-position chart, the worst examples, per-row check diffs.
import { useEffect, useState, type JSX } from 'react';
import { LearnLink } from '../learn/LearnLink';
import type { DatasetSummary, Project, Run } from '../../../../main/api/contract';
import type { EvalResult } from '../../../../main/api/contract-evals';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { ErrorText } from '../../components/Field';
import { useApiQuery } from '../../hooks/useApiQuery';
import { ResultView } from './ResultView';

type SourceKind = 'validation' | 'dataset' | 'forgetting' | 'text' | 'evalSet' | 'demoEvalSet';
const LABELS: Record<SourceKind, string> = {
  validation: "The run's validation split (loss)",
  dataset: 'An imported dataset (loss)',
  forgetting: 'Forgetting probe: general text (loss)',
  text: 'A raw text file (loss)',
  evalSet: 'A task eval set, JSONL (pass-rate)',
  demoEvalSet: 'The bundled demo eval set (pass-rate)',
};

export function EvalPanel({ project, run, onDone }: { project: Project; run: Run; onDone: () => void }): JSX.Element {
  const datasets = useApiQuery<DatasetSummary[]>(() => api.datasets.list({ projectId: project.id }));
  const [kind, setKind] = useState<SourceKind>('validation');
  const [path, setPath] = useState('');
  const [datasetId, setDatasetId] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiError>();
  const [result, setResult] = useState<EvalResult>();
  const [jobId, setJobId] = useState<string>();

  useEffect(() => {
    if (!datasetId && datasets.data?.[0]) setDatasetId(datasets.data[0].id);
  }, [datasetId, datasets.data]);
  useEffect(() => api.on('evals.progress', (p) => void (p.jobId === jobId && setBusy(p.message ?? `${p.phase} ${p.done}/${p.total}`))), [jobId]);

  async function start(): Promise<void> {
    const id = crypto.randomUUID();
    setJobId(id);
    setBusy('starting');
    setError(undefined);
    try {
      const source =
        kind === 'dataset' ? { kind, id: datasetId } : kind === 'text' || kind === 'evalSet' ? { kind, path } : { kind };
      const r = await api.evals.run({ runId: run.id, projectId: project.id, jobId: id, source, maxNewTokens: kind === 'demoEvalSet' ? 64 : undefined });
      setResult(r.result);
      onDone();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(null);
    }
  }

  const needsPath = kind === 'text' || kind === 'evalSet';
  return (
    <div className="card eval-card" data-testid="eval-panel">
      <h2 className="card-title">Base vs adapter</h2>
      <div className="eval-form">
        <label className="field-label" htmlFor="eval-source">Evaluate on</label>
        <select id="eval-source" className="input eval-select" value={kind} onChange={(e) => setKind(e.target.value as SourceKind)} data-testid="eval-source">
          {(Object.keys(LABELS) as SourceKind[]).map((k) => (
            <option key={k} value={k}>{LABELS[k]}</option>
          ))}
        </select>
        {kind === 'dataset' && (
          <select className="input eval-select" value={datasetId} onChange={(e) => setDatasetId(e.target.value)} aria-label="Dataset" data-testid="eval-dataset">
            {(datasets.data ?? []).map((d) => (
              <option key={d.id} value={d.id}>{d.name}</option>
            ))}
          </select>
        )}
        {needsPath && (
          <input className="input" value={path} onChange={(e) => setPath(e.target.value)} placeholder={kind === 'text' ? '/path/to/notes.txt' : '/path/to/eval.jsonl'} aria-label="File path" data-testid="eval-path" />
        )}
        <button type="button" className="btn btn-primary" onClick={() => void start()} disabled={!!busy || (needsPath && !path.trim()) || (kind === 'dataset' && !datasetId)} data-testid="eval-start">
          {busy ? 'Evaluating…' : 'Evaluate'}
        </button>
      </div>
      {kind === 'forgetting' && <p className="form-hint"><LearnLink section="pitfalls">What forgetting is and how to avoid it</LearnLink></p>}
      {busy && <p className="form-hint" data-testid="eval-busy">{busy}</p>}
      {error && <ErrorText error={error} context="evals.run" />}
      {result && <ResultView result={result} />}
    </div>
  );
}
