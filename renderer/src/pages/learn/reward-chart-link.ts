// The reward-hacking pitfall points at the evidence: the per-reward chart of the project's newest GRPO run, opened on
// its dashboard; without one, the Train step.
import type { Run } from '../../../../main/api/contract';
import { trainHash } from '../train/train-route';

export const GRPO_REWARD_CHART = 'chart-grpo-reward';

export function rewardChartLink(runs: readonly Run[]): { href: string; label: string } {
  const grpo = runs.filter((r) => r.config.objective === 'grpo').sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  if (!grpo) return { href: trainHash({ kind: 'list' }), label: 'Open Train (no GRPO run in this project yet)' };
  return { href: trainHash({ kind: 'run', id: grpo.id, chart: GRPO_REWARD_CHART }), label: `Open the reward chart of “${grpo.name}”` };
}
