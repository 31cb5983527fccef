// Device strings: --device and TrainingConfig.device accept auto|cpu|vulkan[:N] and reject anything else with advice.
import { describe, expect, it } from 'vitest';
import { parseDevice } from '../../../main/api/device';
import { resolveTrainingConfig } from '../../../main/api/training-config';

describe('parseDevice', () => {
  it('accepts auto, cpu, vulkan and vulkan:N (case and spaces ignored)', () => {
    expect(parseDevice('auto')).toBe('auto');
    expect(parseDevice(' CPU ')).toBe('cpu');
    expect(parseDevice('vulkan')).toBe('vulkan');
    expect(parseDevice('vulkan:1')).toBe('vulkan:1');
  });
  it('rejects other spellings, naming the option and the accepted values', () => {
    for (const bad of ['cuda', 'gpu', 'vulkan:', 'vulkan:x', '']) {
      expect(() => parseDevice(bad)).toThrow(/--device must be auto, cpu, vulkan or vulkan:N/);
    }
    expect(() => parseDevice('gpu', 'device')).toThrow(/^device must be/);
  });
});

describe('TrainingConfig.device', () => {
  const base = { model: 'm', dataset: 'd.jsonl' };
  it('defaults to auto and accepts vulkan:N', () => {
    expect(resolveTrainingConfig(base).device).toBe('auto');
    expect(resolveTrainingConfig({ ...base, device: 'vulkan:0' }).device).toBe('vulkan:0');
  });
  it('rejects an unknown device', () => {
    expect(() => resolveTrainingConfig({ ...base, device: 'cuda:0' })).toThrow(/device: /);
  });
});

describe('lathe demo --device', () => {
  it('sets the demo run config device, default auto', async () => {
    const { demoConfig } = await import('../../../main/cli/demo');
    expect(demoConfig('m', 10).device).toBe('auto');
    expect(demoConfig('m', 10, undefined, 'cpu').device).toBe('cpu');
  });
});
