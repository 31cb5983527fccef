// Chart value axes: nice tick steps that cover the data, and labels that never repeat (issue: "6.27, 6.27, 6.27").
import { describe, expect, it } from 'vitest';
import { niceStep, niceTicks, tickLabeller } from '../../../renderer/src/pages/train/nice-ticks';

const sig3 = (v: number) => String(Number(v.toPrecision(3)));

describe('nice ticks', () => {
  it('steps of 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(10, 4)).toBe(5);
    expect(niceStep(0.008, 4)).toBe(0.002);
    expect(niceStep(700, 4)).toBe(200);
  });

  it('cover the data, from zero when asked', () => {
    const t = niceTicks([6.271, 6.279, 6.275])!;
    expect(t[0]).toBeLessThanOrEqual(6.271);
    expect(t[t.length - 1]).toBeGreaterThanOrEqual(6.279);
    expect(niceTicks([3, 9], { fromZero: true })![0]).toBe(0);
    expect(niceTicks([])).toBeNull();
    expect(niceTicks([2, 2])!.length).toBeGreaterThan(1);
  });

  it('labels never repeat, even when the chart\'s own format would', () => {
    for (const values of [[6.271, 6.279], [0.000101, 0.000109], [1e-4, 2e-4], [2.7, 2.7000001], [100, 1100]]) {
      const ticks = niceTicks(values)!;
      const label = tickLabeller(ticks, sig3);
      expect(new Set(ticks.map(label)).size, `${values} -> ${ticks.map(label)}`).toBe(ticks.length);
    }
    // A format that already tells the ticks apart is kept.
    const t = niceTicks([0, 8])!;
    expect(tickLabeller(t, sig3)).toBe(sig3);
  });
});
