// Mixtures: each dataset's share of an epoch (whole and every prefix), repeats without duplicates within a pass, determinism, errors.
import { describe, expect, it } from 'vitest';
import { formatShares, planMixture } from '../../../main/data/mixture';

describe('planMixture', () => {
  const sources = [
    { name: 'chat', size: 1000, weight: 1 },
    { name: 'code', size: 300, weight: 3 },
    { name: 'math', size: 700, weight: 0.5 },
  ];

  it('delivers each weight within 2% over an epoch, and within one example at every prefix', () => {
    const plan = planMixture(sources, { seed: 7 });
    expect(plan.order).toHaveLength(2000);
    const total = 4.5;
    plan.shares.forEach((s, k) => {
      expect(Math.abs(s.actual - sources[k].weight / total)).toBeLessThan(0.02);
      expect(plan.order.filter(([src]) => src === k).length).toBe(s.examples);
    });
    const seen = [0, 0, 0];
    plan.order.forEach(([src], n) => {
      seen[src]++;
      for (let k = 0; k < 3; k++) expect(Math.abs(seen[k] - ((n + 1) * plan.shares[k].examples) / 2000)).toBeLessThanOrEqual(1);
    });
  });

  it('a dataset drawn more than its size repeats only after a full pass; a smaller share never repeats', () => {
    const plan = planMixture(sources, { seed: 1 });
    const code = plan.order.filter(([s]) => s === 1).map(([, i]) => i);
    expect(plan.shares[1].passes).toBeGreaterThan(4);
    expect(new Set(code.slice(0, 300)).size).toBe(300);
    expect(new Set(code.slice(300, 600)).size).toBe(300);
    const chat = plan.order.filter(([s]) => s === 0).map(([, i]) => i);
    expect(new Set(chat).size).toBe(chat.length);
    expect(chat.every((i) => i >= 0 && i < 1000)).toBe(true);
  });

  it('is a pure function of (seed, epoch), and each epoch draws a new order', () => {
    const a = planMixture(sources, { seed: 3, epoch: 0 });
    expect(planMixture(sources, { seed: 3, epoch: 0 }).order).toEqual(a.order);
    expect(planMixture(sources, { seed: 3, epoch: 1 }).order).not.toEqual(a.order);
  });

  it('honours an explicit epoch size, and the shares still sum to it', () => {
    const plan = planMixture([{ name: 'a', size: 10, weight: 1 }, { name: 'b', size: 10, weight: 2 }], { epochSize: 100 });
    expect(plan.shares.map((s) => s.examples)).toEqual([33, 67]);
    expect(formatShares(plan.shares)[1]).toBe('  b: weight 2 -> 67.0% of the epoch (asked 66.7%), 67 examples, 6.70 passes');
  });

  it('names the dataset and the fix for a bad weight or an empty dataset', () => {
    expect(() => planMixture([{ name: 'a', size: 10, weight: 0 }])).toThrow(/Mixture dataset "a": weight 0 is not a positive number/);
    expect(() => planMixture([{ name: 'b', size: 0 }])).toThrow(/"b" has no usable examples/);
    expect(() => planMixture([])).toThrow(/lists no datasets/);
  });
});
