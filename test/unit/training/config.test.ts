// TrainingConfig: defaults with reasons, unknown keys and wrong types named, YAML errors with line numbers, LR schedules.
import { describe, expect, it } from 'vitest';
import { configHelp, describeBatch, resolveTrainingConfig, TrainingConfigSchema } from '../../../main/api/training-config';
import { parseTrainingConfigYaml } from '../../../main/runs/config-yaml';
import { learningRateAt } from '../../../main/runs/schedule';

describe('TrainingConfig', () => {
  it('fills every default and explains each key', () => {
    const c = resolveTrainingConfig({ model: 'm', dataset: 'd.jsonl' });
    expect(c).toMatchObject({ quant: 'nf4', loraR: 16, loraAlpha: 32, loraDropout: 0, learningRate: 2e-4, schedule: 'cosine', rslora: false });
    expect(c.loraTargets).toEqual(['q', 'k', 'v', 'o', 'gate', 'up', 'down']);
    for (const key of Object.keys(TrainingConfigSchema.shape)) expect(configHelp[key as keyof typeof configHelp].length).toBeGreaterThan(20);
    expect(describeBatch(c)).toEqual({ sequencesPerStep: 8, tokensPerStep: 8192 });
  });

  it('names unknown keys and wrong types', () => {
    expect(() => resolveTrainingConfig({ model: 'm', dataset: 'd', learning_rate: 1e-4 }, 'run.yaml')).toThrow(/run\.yaml: unknown key "learning_rate"/);
    expect(() => resolveTrainingConfig({ model: 'm', dataset: 'd', loraR: 'sixteen' })).toThrow(/loraR: /);
    expect(() => resolveTrainingConfig({ model: 'm', dataset: 'd', loraTargets: ['q', 'qkv'] })).toThrow(/loraTargets\.1/);
    expect(() => resolveTrainingConfig({ dataset: 'd' })).toThrow(/model/);
    expect(() => resolveTrainingConfig({ model: 'm', dataset: 'd', maxSteps: 5, warmupSteps: 10 })).toThrow(/warmupSteps/);
  });

  it('parses YAML and reports syntax errors with their line', () => {
    const c = parseTrainingConfigYaml('model: ./m\ndataset: ./d.jsonl\nloraR: 8\nquant: int8\n');
    expect(c).toMatchObject({ loraR: 8, quant: 'int8' });
    expect(() => parseTrainingConfigYaml('model: ./m\ndataset: [unclosed\n', 'bad.yaml')).toThrow(/bad\.yaml: line \d+/);
    expect(() => parseTrainingConfigYaml('model: a\nmodel: b\ndataset: d\n')).toThrow(/line 2/);
    expect(() => parseTrainingConfigYaml('- a\n- b\n')).toThrow(/mapping/);
  });
});

describe('learning-rate schedules', () => {
  const base = { learningRate: 1e-3, warmupSteps: 4 };
  it('warms up linearly then decays to zero (cosine, linear) or holds (constant)', () => {
    expect(learningRateAt(0, 20, { ...base, schedule: 'cosine' })).toBeCloseTo(2.5e-4);
    expect(learningRateAt(3, 20, { ...base, schedule: 'cosine' })).toBeCloseTo(1e-3);
    expect(learningRateAt(4, 20, { ...base, schedule: 'cosine' })).toBeCloseTo(1e-3);
    expect(learningRateAt(12, 20, { ...base, schedule: 'cosine' })).toBeCloseTo(5e-4);
    expect(learningRateAt(20, 20, { ...base, schedule: 'cosine' })).toBeCloseTo(0);
    expect(learningRateAt(12, 20, { ...base, schedule: 'linear' })).toBeCloseTo(5e-4);
    expect(learningRateAt(19, 20, { ...base, schedule: 'constant' })).toBe(1e-3);
  });
});
