// Checkpoint picker: every checkpoint of the run on its validation split in one go, charted, with the best marked so
// the user can export that one rather than the last.
import { useState, type JSX } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Project, Run } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { ErrorText } from '../../components/Field';

type Picker = Awaited<ReturnType<typeof api.evals.checkpoints>>;

export function CheckpointPicker({ project, run, onDone }: { project: Project; run: Run; onDone: () => void }): JSX.Element {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [data, setData] = useState<Picker>();

  async function start(): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      setData(await api.evals.checkpoints({ runId: run.id, projectId: project.id }));
      onDone();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="card eval-card" data-testid="checkpoint-picker">
      <h2 className="card-title">Checkpoints</h2>
      <p className="form-hint">Validation loss of every checkpoint of this run. The last checkpoint is not always the best: a run can start to overfit.</p>
      <button type="button" className="btn" onClick={() => void start()} disabled={busy} data-testid="checkpoints-start">
        {busy ? 'Evaluating checkpoints…' : 'Evaluate every checkpoint'}
      </button>
      {error && <ErrorText error={error} context="evals.checkpoints" />}
      {data && (
        <>
          <figure className="chart-card eval-chart" data-testid="checkpoint-chart" data-points={data.points.length} data-best={data.best ?? ''}>
            <figcaption className="chart-head">
              <span className="chart-title">Validation loss by checkpoint</span>
              {data.base?.loss != null && <span className="chart-last">base {data.base.loss.toFixed(3)}</span>}
            </figcaption>
            <div className="chart-body">
              <ResponsiveContainer width="100%" height="100%">
                <LineChart data={data.points} margin={{ top: 6, right: 10, bottom: 0, left: 0 }}>
                  <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} tick={{ fill: 'var(--text-subtle)', fontSize: 11 }} />
                  <YAxis width={44} domain={['auto', 'auto']} tickFormatter={(v: number) => v.toFixed(2)} tick={{ fill: 'var(--text-subtle)', fontSize: 11 }} />
                  <Tooltip isAnimationActive={false} labelFormatter={(s) => `Step ${String(s)}`} formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : String(v))} />
                  {data.best !== null && <ReferenceLine x={data.best} stroke="var(--accent)" strokeDasharray="4 3" label={{ value: 'best', fill: 'var(--accent)', fontSize: 11 }} />}
                  <Line name="validation loss" dataKey="loss" stroke="var(--accent)" dot={{ r: 3 }} isAnimationActive={false} />
                </LineChart>
              </ResponsiveContainer>
            </div>
          </figure>
          <ul className="eval-list" data-testid="checkpoint-list">
            {data.points.map((p) => (
              <li key={p.step} data-best={p.step === data.best}>
                Step {p.step}: loss {p.loss?.toFixed(4) ?? 'n/a'}, perplexity {p.ppl?.toFixed(2) ?? 'n/a'}
                {p.step === data.best && <span className="pill pill-accent">best: export this one</span>}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
