// The Train step's place in the URL hash (list, new, a run and one of its charts, compare), and the Learn pitfall that
// links to the reward chart of the project's newest GRPO run.
import { describe, expect, it } from 'vitest';
import type { Run } from '../../../main/api/contract';
import { rewardChartLink } from '../../../renderer/src/pages/learn/reward-chart-link';
import { parseTrainView, trainHash, type TrainView } from '../../../renderer/src/pages/train/train-route';

describe('train route', () => {
  it('reads back every view it writes, a run with a chart included', () => {
    const views: TrainView[] = [{ kind: 'list' }, { kind: 'new' }, { kind: 'run', id: 'run-2026-12-04-ab/cd' }, { kind: 'run', id: 'r1', chart: 'chart-grpo-reward' }, { kind: 'compare', ids: ['a', 'b'] }];
    for (const v of views) expect(parseTrainView(trainHash(v))).toEqual(v);
    expect(trainHash({ kind: 'run', id: 'r1', chart: 'chart-rewards' })).toBe('#/train/r1/chart-rewards');
    expect(parseTrainView('#/train/r1')).toEqual({ kind: 'run', id: 'r1' });
  });
});

describe('reward-hacking link', () => {
  const run = (id: string, objective: string, createdAt: string) => ({ id, name: `run ${id}`, createdAt, config: { objective } }) as unknown as Run;

  it("opens the newest GRPO run's reward chart, or Train when the project has none", () => {
    expect(rewardChartLink([run('a', 'grpo', '2026-12-01'), run('b', 'dpo', '2026-12-03'), run('c', 'grpo', '2026-12-02')])).toEqual({ href: '#/train/c/chart-grpo-reward', label: 'Open the reward chart of “run c”' });
    expect(rewardChartLink([run('b', 'dpo', '2026-12-03')])).toEqual({ href: '#/train', label: 'Open Train (no GRPO run in this project yet)' });
  });
});
