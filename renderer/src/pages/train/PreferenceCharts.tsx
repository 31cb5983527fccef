// Charts of a preference run (DPO, IPO, ORPO, SimPO): the share of pairs whose chosen answer gets the higher implicit
// reward (reward accuracy, train and held-out) and the implicit rewards themselves. Loaded with the other charts (recharts).
import type { JSX } from 'react';
import { MetricChart } from './MetricChart';
import { withPreferenceKeys, type ChartMetric } from './run-math';

const pct = (v: number) => `${Math.round(v * 100)} %`;
const sig3 = (v: number) => String(Number(v.toPrecision(3)));

export function PreferenceCharts(props: { metrics: ChartMetric[]; total: number | null }): JSX.Element {
  const metrics = props.metrics.map(withPreferenceKeys);
  const hasEval = metrics.some((m) => typeof m.evalRewardAccuracy === 'number');
  return (
    <>
      <MetricChart
        title="Reward accuracy"
        testId="chart-reward-accuracy"
        metrics={metrics}
        series={[
          { key: 'rewardAccuracy', label: 'Train pairs', color: 'var(--accent)' },
          ...(hasEval ? [{ key: 'evalRewardAccuracy' as const, label: 'Held-out pairs', color: 'var(--warn)', sparse: true }] : []),
        ]}
        format={pct}
        total={props.total}
        fromZero
      />
      <MetricChart
        title="Rewards"
        testId="chart-rewards"
        metrics={metrics.filter((m) => m.step > 0)}
        series={[
          { key: 'rewardChosen', label: 'Chosen', color: 'var(--ok)' },
          { key: 'rewardRejected', label: 'Rejected', color: 'var(--danger)' },
          { key: 'rewardMargin', label: 'Margin', color: 'var(--accent-hover)' },
        ]}
        format={sig3}
        total={props.total}
      />
    </>
  );
}
