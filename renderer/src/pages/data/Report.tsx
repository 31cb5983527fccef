// The validation report: counts, detected format, every left-out row (click one to see its raw line), length histogram and split.
import { useState, type JSX } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DatasetReportView, SplitSummary } from '../../../../main/api/contract';

export function Counts({ r }: { r: DatasetReportView }): JSX.Element {
  const items: [string, number | string, string][] = [
    ['Rows', r.total, 'total'],
    ['Valid', r.valid, 'valid'],
    ['Left out', r.invalidCount, 'invalid'],
    ['Duplicates', r.duplicates, 'duplicates'],
  ];
  return (
    <div className="data-counts">
      {items.map(([label, v, id]) => (
        <div key={id} className={`stat data-stat data-stat-${id}`} data-testid={`count-${id}`}>
          <div className="data-stat-value">{v}</div>
          <div className="data-stat-label">{label}</div>
        </div>
      ))}
    </div>
  );
}

export function IssueList(props: { r: DatasetReportView; onShow: (line: number) => void; shown?: { line: number; lines: { line: number; text: string }[] } }): JSX.Element {
  const { r } = props;
  const [limit, setLimit] = useState(50);
  if (r.invalidCount === 0) return <p className="data-ok" data-testid="no-issues">Every row is valid. Nothing is left out.</p>;
  const unit = r.source === 'parquet' ? 'Row' : 'Line';
  return (
    <div className="data-issues" data-testid="issues">
      <table className="data-table">
        <thead>
          <tr>
            <th>{unit}</th>
            <th>Field</th>
            <th>Why it is left out</th>
          </tr>
        </thead>
        <tbody>
          {r.invalid.slice(0, limit).map((i) => (
            <tr key={`${i.file ?? ''}:${i.line}:${i.code}`} data-testid="issue-row" data-line={i.line}>
              <td>
                <button type="button" className="btn btn-ghost btn-sm data-line-btn" onClick={() => props.onShow(i.line)} title="Show the raw line">
                  {i.file ? `${i.file}:` : ''}
                  {i.line}
                </button>
              </td>
              <td className="data-mono">{i.field || '—'}</td>
              <td>{i.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.invalid.length > limit && (
        <button type="button" className="btn btn-sm" onClick={() => setLimit((l) => l + 200)}>
          Show more ({r.invalid.length - limit} not shown)
        </button>
      )}
      {r.invalidTruncated && <p className="data-note">The report lists the first {r.invalid.length} of {r.invalidCount}; the import keeps the full list.</p>}
      {props.shown && (
        <pre className="data-raw" data-testid="raw-lines">
          {props.shown.lines.map((l) => (
            <div key={l.line} className={l.line === props.shown!.line ? 'data-raw-bad' : undefined}>
              <span className="data-raw-no">{l.line}</span>
              {l.text}
            </div>
          ))}
        </pre>
      )}
    </div>
  );
}

export function LengthChart({ r, split }: { r: DatasetReportView; split?: SplitSummary }): JSX.Element | null {
  const t = r.tokens;
  if (!t) return null;
  const data = t.histogram.counts.map((c, i) => ({ range: `${t.histogram.edges[i]}–${t.histogram.edges[i + 1]}`, count: c }));
  return (
    <figure className="chart-card data-lengths" data-testid="length-chart">
      <figcaption className="chart-head">
        <span className="chart-title">Tokens per example</span>
        <span className="chart-last">
          min {t.min} · median {t.p50} · p95 {t.p95} · max {t.max}
        </span>
      </figcaption>
      <div style={{ width: '100%', height: 180 }}>
        <ResponsiveContainer>
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
            <XAxis dataKey="range" tick={{ fontSize: 10, fill: 'var(--text-muted)' }} interval="preserveStartEnd" />
            <YAxis allowDecimals={false} tick={{ fontSize: 10, fill: 'var(--text-muted)' }} width={36} />
            <Tooltip contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)' }} />
            <Bar dataKey="count" fill="var(--accent)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <p className="data-note" data-testid="length-policy">
        {t.maxLen != null
          ? `${t.overLimit} example${t.overLimit === 1 ? '' : 's'} over ${t.maxLen} tokens → ${t.policy}: ${t.truncated} truncated, ${t.dropped} dropped, ${t.split} split.`
          : 'No maximum length set.'}{' '}
        {t.trainedTokens} of {t.totalTokens} tokens are trained ({t.mask} mask, {t.template} template).
        {split && ` Split: ${split.train} train / ${split.validation} validation (seed ${split.seed}).`}
      </p>
      {t.tooLong?.length ? (
        <ul className="data-note" data-testid="too-long-rows" aria-label="Rows left out as too long">
          {t.tooLong.slice(0, 20).map((r) => (
            <li key={`${r.file ?? ''}:${r.line}`}>{r.file ? `${r.file} ` : ''}line {r.line}: {r.reason}</li>
          ))}
          {t.tooLong.length > 20 && <li>… and {t.tooLong.length - 20} more</li>}
        </ul>
      ) : null}
    </figure>
  );
}
