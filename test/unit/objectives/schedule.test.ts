// Learning-rate schedules: cosine and linear decay to a floor, warmup-stable-decay (hold, then decay at the end).
import { describe, expect, it } from 'vitest';
import { learningRateAt } from '../../../main/runs/schedule';

const base = { learningRate: 1, warmupSteps: 10 };

describe('learning-rate schedules', () => {
  it('cosine and linear decay to minLrRatio x peak at the last step, through the midpoint', () => {
    for (const schedule of ['cosine', 'linear'] as const) {
      const c = { ...base, schedule, minLrRatio: 0.1 };
      expect(learningRateAt(9, 110, c)).toBe(1);
      expect(learningRateAt(10, 110, c)).toBeCloseTo(1, 12);
      expect(learningRateAt(60, 110, c)).toBeCloseTo(0.55, 12);
      expect(learningRateAt(110, 110, c)).toBeCloseTo(0.1, 12);
    }
    expect(learningRateAt(110, 110, { ...base, schedule: 'cosine' })).toBeCloseTo(0, 12);
  });

  it('wsd holds the peak until the last decayFraction of the steps, then decays linearly to the floor', () => {
    const c = { ...base, schedule: 'wsd' as const, minLrRatio: 0.1, decayFraction: 0.2 };
    const lrs = Array.from({ length: 110 }, (_, s) => learningRateAt(s, 110, c));
    expect(lrs.slice(10, 90).every((x) => x === 1)).toBe(true);
    expect(lrs[90]).toBeLessThan(1);
    expect(lrs[109]).toBeCloseTo(0.1, 12);
    for (let s = 91; s < 110; s++) expect(lrs[s]).toBeLessThan(lrs[s - 1]);
  });
});
