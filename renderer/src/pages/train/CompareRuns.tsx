// Compare runs: the loss curves of the chosen runs on one chart (train and eval), and their settings side by side with
// the keys that differ highlighted, so "what changed between these two?" has one answer on one screen.
import { useEffect, useState, type JSX } from 'react';
import type { RunDetail } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { ErrorText } from '../../components/Field';
import { MetricChart, type Series } from './MetricChart';
import type { ChartMetric } from './run-math';

const COLORS = ['var(--accent)', 'var(--warn)', 'var(--ok)', 'var(--danger)', 'var(--accent-hover)', 'var(--text-muted)'];
const sig3 = (v: number) => String(Number(v.toPrecision(3)));
const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** Rows keyed by step with each run's train loss under `loss:<i>` and eval loss under `eval:<i>`. */
function merged(details: RunDetail[]): ChartMetric[] {
  const byStep = new Map<number, Record<string, number>>();
  details.forEach((d, i) =>
    d.metrics.forEach((m) => {
      const row = byStep.get(m.step) ?? { step: m.step };
      if (typeof m.loss === 'number') row[`loss:${i}`] = m.loss;
      if (typeof m.evalLoss === 'number') row[`eval:${i}`] = m.evalLoss;
      byStep.set(m.step, row);
    }),
  );
  return [...byStep.values()].sort((a, b) => a.step - b.step) as unknown as ChartMetric[];
}

export function CompareRuns({ ids, onBack }: { ids: string[]; onBack: () => void }): JSX.Element {
  const [details, setDetails] = useState<RunDetail[]>();
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    Promise.all(ids.map((id) => api.runs.get({ id }))).then(setDetails, (err) => setError(toApiError(err)));
  }, [ids]);
  if (error) return <ErrorText error={error} />;
  if (!details) return <div className="card" aria-busy="true">Loading the runs…</div>;
  const train: Series[] = details.map((d, i) => ({ key: `loss:${i}` as keyof ChartMetric, label: d.run.name, color: COLORS[i % COLORS.length] }));
  const evals: Series[] = details.map((d, i) => ({ key: `eval:${i}` as keyof ChartMetric, label: d.run.name, color: COLORS[i % COLORS.length], sparse: true }));
  const keys = [...new Set(details.flatMap((d) => Object.keys(d.run.config)))].sort();
  const differs = (k: string) => new Set(details.map((d) => show(d.run.config[k]))).size > 1;
  const changed = keys.filter(differs);
  return (
    <div className="compare" data-testid="compare-runs">
      <button type="button" className="btn btn-sm btn-ghost" onClick={onBack} data-testid="compare-back">
        ← All runs
      </button>
      <div className="chart-grid">
        <MetricChart title="Train loss" testId="compare-loss" metrics={merged(details)} series={train} format={sig3} />
        <MetricChart title="Eval loss" testId="compare-eval" metrics={merged(details)} series={evals} format={sig3} />
      </div>
      <section className="card" aria-labelledby="compare-settings-title">
        <h2 className="card-title" id="compare-settings-title">
          Settings <span className="subtle">{changed.length ? `${changed.length} differ: ${changed.join(', ')}` : 'all the same'}</span>
        </h2>
        <div className="compare-table-wrap">
          <table className="compare-table" data-testid="compare-settings">
            <thead>
              <tr>
                <th scope="col">Setting</th>
                {details.map((d) => (
                  <th key={d.run.id} scope="col">{d.run.name}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k} className={differs(k) ? 'is-diff' : undefined} data-key={k} data-diff={differs(k) ? 'true' : undefined}>
                  <th scope="row">{k}</th>
                  {details.map((d) => (
                    <td key={d.run.id}>{show(d.run.config[k])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
