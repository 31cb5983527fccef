// One live line chart of a run's metrics against the step (recharts), themed with the app's CSS variables.
import type { JSX } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { niceTicks, tickLabeller } from './nice-ticks';
import type { ChartMetric } from './run-math';

export interface Series {
  key: keyof ChartMetric;
  label: string;
  color: string;
  /** Sparse series (eval loss) are drawn as dots joined across the steps without a value. */
  sparse?: boolean;
  /** A reference (the memory plan): dashed, no dots. */
  dashed?: boolean;
}

export function MetricChart(props: {
  title: string;
  metrics: ChartMetric[];
  series: Series[];
  /** Axis and tooltip format. */
  format: (v: number) => string;
  /** The latest value in the header (defaults to format). */
  last?: (v: number) => string;
  testId: string;
  total?: number | null;
  /** Room for the y-axis labels (wider for "1.05 GiB"). */
  axisWidth?: number;
  wide?: boolean;
  note?: string;
  /** Fixed value-axis ticks from 0 (memory: so a plan 1% above the peak does not look twice as high). */
  ticks?: number[];
  /** Start the value axis at 0 (learning rate, throughput: their size matters, not only their wiggles). */
  fromZero?: boolean;
}): JSX.Element {
  const { metrics, series } = props;
  const points = metrics.filter((m) => series.some((s) => typeof m[s.key] === 'number'));
  const last = points[points.length - 1];
  // Our own nice ticks (unless the caller fixed them), labelled so no two read the same.
  const ticks = props.ticks ?? niceTicks(points.flatMap((m) => series.map((s) => m[s.key]).filter((v): v is number => typeof v === 'number')), { fromZero: props.fromZero }) ?? undefined;
  const tickLabel = ticks ? tickLabeller(ticks, props.format) : props.format;
  return (
    <figure
      className={`chart-card${props.wide ? ' chart-wide' : ''}`}
      data-testid={props.testId}
      data-points={points.length}
      data-first-step={points[0]?.step}
      {...Object.fromEntries(series.map((s) => [`data-points-${s.key.toLowerCase()}`, points.filter((m) => typeof m[s.key] === 'number').length]))}
    >
      <figcaption className="chart-head">
        <span className="chart-title">{props.title}</span>
        <span className="chart-last">
          {series.map((s) => {
            const v = [...points].reverse().find((m) => typeof m[s.key] === 'number')?.[s.key];
            return typeof v === 'number' ? (
              <span key={s.key} className="chart-last-item" title={s.label}>
                <span className="chart-swatch" style={{ background: s.color }} />
                {(props.last ?? props.format)(v)}
              </span>
            ) : null;
          })}
        </span>
      </figcaption>
      {points.length === 0 ? (
        <div className="chart-empty">{props.note ?? 'Waiting for the first step…'}</div>
      ) : (
        <div className="chart-body">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={points} margin={{ top: 6, right: 10, bottom: 0, left: 0 }}>
              <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
              <XAxis
                dataKey="step"
                type="number"
                // Every chart spans step 0 (the baseline evaluation) to the last step, so they line up.
                domain={[0, (max: number) => Math.max(max, props.total ?? max)]}
                allowDecimals={false}
                tick={{ fill: 'var(--text-subtle)', fontSize: 11 }}
                tickLine={false}
                axisLine={{ stroke: 'var(--border-strong)' }}
              />
              <YAxis
                width={props.axisWidth ?? 52}
                domain={ticks ? [ticks[0], ticks[ticks.length - 1]] : props.fromZero ? [0, 'auto'] : ['auto', 'auto']}
                ticks={ticks}
                tickFormatter={tickLabel}
                tick={{ fill: 'var(--text-subtle)', fontSize: 11 }}
                tickLine={false}
                axisLine={false}
              />
              <Tooltip
                isAnimationActive={false}
                contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border-strong)', borderRadius: 6, fontSize: 12 }}
                labelStyle={{ color: 'var(--text-muted)' }}
                labelFormatter={(step) => `Step ${String(step)}`}
                formatter={(v) => (typeof v === 'number' ? (props.last ?? props.format)(v) : String(v))}
              />
              {series.length > 1 && <Legend iconType="plainline" wrapperStyle={{ fontSize: 11.5, color: 'var(--text-muted)' }} />}
              {series.map((s) => (
                <Line
                  key={s.key}
                  name={s.label}
                  dataKey={s.key}
                  stroke={s.color}
                  strokeWidth={s.sparse || s.dashed ? 1.5 : 1.75}
                  strokeDasharray={s.dashed ? '5 4' : undefined}
                  dot={!s.dashed && (s.sparse || points.length < 3) ? { r: 3, fill: s.color, strokeWidth: 0 } : false}
                  activeDot={{ r: 4 }}
                  connectNulls
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
      {last && <span className="sr-only">Last step {last.step}</span>}
    </figure>
  );
}
