// The run's charts: loss (train and eval), learning rate, gradient norm, tokens/s, the objective's own charts and
// memory against the plan. recharts is most of the renderer's weight, so the charts load when a dashboard first opens.
import { lazy, Suspense, type JSX } from 'react';
import type { Run } from '../../../../main/api/contract';
import { Icon } from '../../components/Icon';
import { byteTicks, formatBytes, formatLoss, formatLr, isLive, trainingSteps, type ChartMetric } from './run-math';

const MetricChart = lazy(() => import('./MetricChart').then((m) => ({ default: m.MetricChart })));
const PreferenceCharts = lazy(() => import('./PreferenceCharts').then((m) => ({ default: m.PreferenceCharts })));
const GrpoCharts = lazy(() => import('./GrpoCharts').then((m) => ({ default: m.GrpoCharts })));
const ForgettingChart = lazy(() => import('./ForgettingChart').then((m) => ({ default: m.ForgettingChart })));

function ChartsFallback(): JSX.Element {
  return (
    <div className="chart-grid" aria-busy="true">
      {[0, 1, 2, 3].map((i) => (
        <div key={i} className="chart-card skeleton-block" style={{ height: 236 }} />
      ))}
    </div>
  );
}

const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
/** Axis ticks: 3 significant digits without trailing zeros (2.75, not 2.750). */
const sig3 = (v: number) => String(Number(v.toPrecision(3)));

export function RunCharts({ status, metrics, plannedBytes, total }: { status: Run['status']; metrics: ChartMetric[]; plannedBytes: number | null; total: number | null }): JSX.Element {
  // Step 0 is the baseline evaluation: it belongs on the loss chart only.
  const steps = trainingSteps(metrics);
  const memory = steps.map((m) => ({ ...m, plannedBytes: m.memoryBytes !== null ? (m.plannedBytes ?? plannedBytes) : null }));
  const hasMemory = steps.some((m) => m.memoryBytes !== null);
  const memAxis = byteTicks(Math.max(0, ...memory.map((m) => Math.max(m.memoryBytes ?? 0, m.plannedBytes ?? 0))));
  const memFormat = (v: number) => `${sig3(v / memAxis.unit)} ${memAxis.label}`;
  const lossSeries = [
    { key: 'loss' as const, label: 'Train loss', color: 'var(--accent)' },
    ...(metrics.some((m) => m.evalLoss !== null) ? [{ key: 'evalLoss' as const, label: 'Eval loss', color: 'var(--warn)', sparse: true }] : []),
  ];
  return (
    <>
    {metrics.length === 0 && !isLive(status) ? (
      <div className="card charts-none" data-testid="charts-none">
        <Icon name="train" /> No training steps were recorded{status === 'paused' ? ' before the pause' : ''}, so there is nothing to chart yet.
      </div>
    ) : (
      <Suspense fallback={<ChartsFallback />}>
        <div className="chart-grid">
          <MetricChart title="Loss" testId="chart-loss" metrics={metrics} series={lossSeries} format={sig3} last={formatLoss} total={total} />
          <MetricChart title="Learning rate" testId="chart-lr" metrics={steps} series={[{ key: 'lr', label: 'Learning rate', color: 'var(--ok)' }]} format={formatLr} total={total} fromZero />
          <MetricChart title="Gradient norm" testId="chart-grad" metrics={steps} series={[{ key: 'gradNorm', label: 'Gradient norm', color: 'var(--danger)' }]} format={sig3} total={total} />
          <MetricChart title="Tokens per second" testId="chart-tps" metrics={steps} series={[{ key: 'tokensPerSecond', label: 'Tokens/s', color: 'var(--accent-hover)' }]} format={(v) => nf.format(v)} total={total} fromZero />
          {metrics.some((m) => m.extra?.['rewards/accuracy'] !== undefined) && <PreferenceCharts metrics={metrics} total={total} />}
          {metrics.some((m) => m.extra?.['reward/mean'] !== undefined) && <GrpoCharts metrics={metrics} total={total} />}
          {metrics.some((m) => m.extra?.['eval/forgettingPerplexity'] !== undefined) && <ForgettingChart metrics={metrics} total={total} />}
          {hasMemory && (
            <MetricChart
              title="Memory: engine peak vs plan"
              testId="chart-memory"
              metrics={memory}
              series={[
                { key: 'memoryBytes', label: 'Peak in use', color: 'var(--accent)' },
                ...(memory.some((m) => typeof m.plannedBytes === 'number') ? [{ key: 'plannedBytes' as const, label: 'Plan', color: 'var(--text-subtle)', dashed: true }] : []),
              ]}
              format={memFormat}
              last={formatBytes}
              total={total}
              axisWidth={72}
              ticks={memAxis.ticks}
              wide
            />
          )}
        </div>
      </Suspense>
    )}
    </>
  );
}
