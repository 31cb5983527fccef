// One evaluation's result: base vs adapter figures, the loss-by-position chart, worst examples (loss) or per-row check
// outcomes with fixed / broken / still-failing diffs (task evals).
import { useState, type JSX } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { EvalResult } from '../../../../main/api/contract-evals';
import type { LossRow, SideResult, TaskRow } from '../../../../main/api/contract-evals';

const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${(100 * x).toFixed(1)}%`);

function Figures({ result }: { result: EvalResult }): JSX.Element {
  const task = result.kind === 'task';
  const cell = (s: SideResult | undefined, name: string) =>
    s && (
      <div className="eval-figure" data-testid={`eval-figure-${name}`}>
        <div className="eval-figure-name">{name}</div>
        {task ? (
          <div className="eval-figure-value" data-testid={`eval-passrate-${name}`}>{pct(s.passRate)} <span className="eval-sub">({s.passed} of {result.rows.length} pass)</span></div>
        ) : (
          <div className="eval-figure-value">loss {f(s.loss)} <span className="eval-sub">perplexity {f(s.ppl, 2)} · {s.tokens} tokens</span></div>
        )}
      </div>
    );
  return (
    <div className="eval-figures">
      {cell(result.base, 'base')}
      {cell(result.adapter, result.adapterPath ? 'adapter' : 'model')}
    </div>
  );
}

function PositionChart({ result }: { result: EvalResult }): JSX.Element | null {
  const byStart = new Map<number, { start: number; base?: number; adapter?: number }>();
  for (const p of result.base?.byPosition ?? []) byStart.set(p.start, { start: p.start, base: p.loss });
  for (const p of result.adapter.byPosition ?? []) byStart.set(p.start, { ...(byStart.get(p.start) ?? { start: p.start }), adapter: p.loss });
  const data = [...byStart.values()].sort((a, b) => a.start - b.start);
  if (!data.length) return null;
  return (
    <figure className="chart-card eval-chart" data-testid="eval-position-chart" data-points={data.length}>
      <figcaption className="chart-head"><span className="chart-title">Loss by token position</span></figcaption>
      <div className="chart-body">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 6, right: 10, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="start" type="number" domain={['dataMin', 'dataMax']} tick={{ fill: 'var(--text-subtle)', fontSize: 11 }} />
            <YAxis width={44} tickFormatter={(v: number) => v.toFixed(1)} tick={{ fill: 'var(--text-subtle)', fontSize: 11 }} />
            <Tooltip isAnimationActive={false} labelFormatter={(v) => `From token ${String(v)}`} formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} />
            <Legend wrapperStyle={{ fontSize: 11.5 }} />
            {result.base && <Line name="base" dataKey="base" stroke="var(--text-subtle)" dot={false} isAnimationActive={false} connectNulls />}
            <Line name={result.adapterPath ? 'adapter' : 'model'} dataKey="adapter" stroke="var(--accent)" dot={false} isAnimationActive={false} connectNulls />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

function Worst({ rows }: { rows: LossRow[] }): JSX.Element {
  const [open, setOpen] = useState(false);
  return (
    <div className="eval-worst">
      <button type="button" className="btn btn-sm" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="eval-worst-toggle">
        {open ? 'Hide' : 'Show'} the worst examples
      </button>
      {open && (
        <table className="eval-table" data-testid="eval-worst">
          <thead><tr><th>Example</th><th>Tokens</th><th>Adapter loss</th><th>Base loss</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.index}><td>{r.line !== undefined ? `line ${r.line}` : `#${r.index + 1}`}</td><td>{r.tokens}</td><td>{f(r.loss)}</td><td>{f(r.baseLoss)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

const DIFFS = ['fixed', 'broken', 'still-failing', 'still-passing'] as const;

function TaskRows({ rows }: { rows: TaskRow[] }): JSX.Element {
  const [filter, setFilter] = useState<string>('all');
  const shown = rows.filter((r) => filter === 'all' || r.diff === filter || (filter === 'failing' && !r.pass));
  const count = (d: string) => rows.filter((r) => r.diff === d).length;
  return (
    <div className="eval-rows">
      <div className="eval-diffs" role="group" aria-label="Filter rows">
        <button type="button" className={`btn btn-sm${filter === 'all' ? ' btn-primary' : ''}`} onClick={() => setFilter('all')}>All {rows.length}</button>
        {rows[0]?.diff !== undefined
          ? DIFFS.map((d) => (
            <button key={d} type="button" className={`btn btn-sm${filter === d ? ' btn-primary' : ''}`} onClick={() => setFilter(d)} data-testid={`eval-diff-${d}`} data-count={count(d)}>
              {d.replace('-', ' ')} {count(d)}
            </button>
          ))
          : <button type="button" className={`btn btn-sm${filter === 'failing' ? ' btn-primary' : ''}`} onClick={() => setFilter('failing')}>failing {rows.filter((r) => !r.pass).length}</button>}
      </div>
      <table className="eval-table" data-testid="eval-rows">
        <thead><tr><th>Line</th><th>Check</th><th>Base</th><th>Adapter</th><th>Adapter answer</th></tr></thead>
        <tbody>
          {shown.slice(0, 200).map((r) => (
            <tr key={r.line} data-diff={r.diff}>
              <td>{r.line}</td>
              <td>{r.check}</td>
              <td>{r.basePass === undefined ? '' : r.basePass ? 'pass' : 'fail'}</td>
              <td title={r.reason}>{r.pass ? 'pass' : 'fail'}</td>
              <td className="eval-answer">{r.output.slice(0, 160)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ResultView({ result }: { result: EvalResult }): JSX.Element {
  return (
    <div className="eval-result" data-testid="eval-result" data-kind={result.kind}>
      <Figures result={result} />
      {result.forgetting && (
        <p className={result.forgetting.warn ? 'banner banner-warn' : 'form-hint'} data-testid="eval-forgetting">
          On general text the adapter's perplexity is {f(Math.abs(result.forgetting.ratio - 1) * 100, 1)}% {result.forgetting.ratio >= 1 ? 'higher' : 'lower'} than the base's.
          {result.forgetting.warn && ' Aggressive domain tuning can overwrite what the model knew: consider fewer steps, a lower learning rate, or mixing in general data.'}
        </p>
      )}
      {result.kind === 'loss' ? (
        <>
          <PositionChart result={result} />
          {result.worst && <Worst rows={result.worst} />}
          <p className="form-hint">
            Perplexity is exp(mean loss) over the scored tokens. Lower means the model predicts this text better, not that it knows more: a model can reach
            low perplexity on new documents without being able to use what they say (the "perplexity curse").
          </p>
        </>
      ) : (
        <TaskRows rows={result.rows as TaskRow[]} />
      )}
    </div>
  );
}
