// Charts of a GRPO run: mean reward of the sampled groups (and of greedy answers to held-out prompts), each reward
// function's mean, the completion length and the KL to the base. Loaded with the other charts (recharts).
import type { JSX } from 'react';
import { MetricChart, type Series } from './MetricChart';
import { withPreferenceKeys, type ChartMetric } from './run-math';

const sig3 = (v: number) => String(Number(v.toPrecision(3)));
const COLORS = ['var(--ok)', 'var(--accent-hover)', 'var(--warn)', 'var(--danger)', 'var(--text-subtle)'];

export function GrpoCharts(props: { metrics: ChartMetric[]; total: number | null }): JSX.Element {
  // Each reward function's mean is charted under its own key (rewards/<name>/mean).
  const names = [...new Set(props.metrics.flatMap((m) => Object.keys(m.extra ?? {}).filter((k) => /^rewards\/[^/]+\/mean$/.test(k))))];
  const metrics = props.metrics.map((m) => ({ ...withPreferenceKeys(m), ...Object.fromEntries(names.map((k) => [k, m.extra?.[k]])) }) as ChartMetric);
  const perFunction = names.map((k, i) => ({ key: k as keyof ChartMetric, label: k.split('/')[1], color: COLORS[i % COLORS.length] }) satisfies Series);
  const steps = metrics.filter((m) => m.step > 0);
  return (
    <>
      <MetricChart
        title="Reward"
        testId="chart-grpo-reward"
        metrics={metrics}
        series={[
          { key: 'rewardMean', label: 'Sampled groups', color: 'var(--accent)' },
          ...(metrics.some((m) => typeof m.evalRewardMean === 'number') ? [{ key: 'evalRewardMean' as const, label: 'Held-out (greedy)', color: 'var(--warn)', sparse: true }] : []),
          ...perFunction,
        ]}
        format={sig3}
        total={props.total}
      />
      <MetricChart title="Completion length" testId="chart-grpo-length" metrics={steps} series={[{ key: 'completionLength', label: 'Tokens per completion', color: 'var(--accent-hover)' }]} format={sig3} total={props.total} fromZero />
      {steps.some((m) => typeof m.kl === 'number') && <MetricChart title="KL to the base" testId="chart-grpo-kl" metrics={steps} series={[{ key: 'kl', label: 'KL (k3)', color: 'var(--danger)' }]} format={sig3} total={props.total} fromZero />}
    </>
  );
}
