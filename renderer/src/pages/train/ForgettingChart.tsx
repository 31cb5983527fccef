// Chart of a continued pre-training run's forgetting probe: perplexity on Lathe's general-text sample at every
// evaluation, with the base model's as a reference line. Rising above it means the domain text is overwriting what the
// model knew. Loaded with the other charts (recharts).
import type { JSX } from 'react';
import { MetricChart } from './MetricChart';
import type { ChartMetric } from './run-math';

const sig3 = (v: number) => String(Number(v.toPrecision(3)));
const PROBE = 'eval/forgettingPerplexity';
const BASE = 'eval/forgettingBasePerplexity';

export function ForgettingChart(props: { metrics: ChartMetric[]; total: number | null }): JSX.Element {
  const evals = props.metrics
    .filter((m) => typeof m.extra?.[PROBE] === 'number')
    .map((m) => ({ ...m, [PROBE]: m.extra![PROBE], [BASE]: m.extra![BASE] }) as ChartMetric);
  return (
    <MetricChart
      title="Forgetting probe (general text)"
      testId="chart-forgetting"
      metrics={evals}
      series={[
        { key: PROBE as keyof ChartMetric, label: 'With the adapter', color: 'var(--warn)' },
        { key: BASE as keyof ChartMetric, label: 'Base model', color: 'var(--text-subtle)' },
      ]}
      format={sig3}
      total={props.total}
    />
  );
}
