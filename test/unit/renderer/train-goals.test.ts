// The New run guide: every goal with settings names a real objective the server accepts, and the data-vs-objective
// warnings; the dashboard's preference series come out of a metric's extra figures.
import { describe, expect, it } from 'vitest';
import { GOALS, dataWarning, goalById } from '../../../renderer/src/pages/train/goals';
import { withPreferenceKeys } from '../../../renderer/src/pages/train/run-math';
import { configFields, parseOverrides } from '../../../renderer/src/pages/train/config-form';
import { trainingHandlers } from '../../../main/services/training';
import { resolveTrainingConfig } from '../../../main/api/training-config';

describe('New run goals', () => {
  it('each trainable goal resolves to a valid config with its objective', () => {
    for (const g of GOALS.filter((x) => x.config)) {
      const c = resolveTrainingConfig({ model: 'm', dataset: 'd', ...g.config });
      expect(c.objective).toBe(g.config!.objective);
    }
    expect(goalById('preference').config?.objective).toBe('dpo');
    expect(goalById('facts').config).toBeUndefined();
  });

  it('warns when the data does not fit the objective', () => {
    expect(dataWarning(goalById('preference'), 'alpaca')).toMatch(/needs preference pairs/);
    expect(dataWarning(goalById('preference'), 'preference')).toBeNull();
    expect(dataWarning(goalById('behaviour'), 'preference')).toMatch(/only the chosen answers/);
    expect(dataWarning(goalById('behaviour'), 'messages')).toBeNull();
    expect(dataWarning(goalById('preference'), undefined)).toBeNull();
    expect(dataWarning(goalById('domain'), 'alpaca')).toMatch(/reads raw text/);
    expect(dataWarning(goalById('reasoning'), 'alpaca')).toMatch(/GRPO needs prompts/);
    expect(dataWarning(goalById('reasoning'), 'prompts')).toBeNull();
    expect(dataWarning(goalById('domain'), 'text')).toBeNull();
    expect(dataWarning(goalById('behaviour'), 'text')).toMatch(/continued pre-training/);
  });

  it('lifts preference figures out of extra for the charts', () => {
    const m = withPreferenceKeys({ step: 3, loss: 0.6, lr: 1, gradNorm: 1, tokensPerSecond: 1, evalLoss: null, memoryBytes: null, skipped: null, at: '', extra: { 'rewards/accuracy': 0.75, 'eval/rewards/margin': 0.2 } });
    expect(m.rewardAccuracy).toBe(0.75);
    expect(m.evalRewardMargin).toBe(0.2);
    expect(m.rewardChosen).toBeUndefined();
  });

  it('reward settings: rewards are toggles, rewardWeights a typed list of numbers', async () => {
    const fields = configFields(await trainingHandlers['training.configHelp']());
    expect(fields.find((f) => f.key === 'rewards')?.kind).toEqual({ type: 'multi', options: ['exact', 'numeric', 'regex', 'json', 'json_schema', 'length', 'think'] });
    expect(fields.find((f) => f.key === 'rewardWeights')?.kind).toEqual({ type: 'numberList' });
    expect(parseOverrides(fields, { rewardWeights: '1, 0.5' }).values.rewardWeights).toEqual([1, 0.5]);
    expect(parseOverrides(fields, { rewardWeights: '1, x' }).error).toMatchObject({ key: 'rewardWeights', code: 'form.notANumber' });
  });
});
