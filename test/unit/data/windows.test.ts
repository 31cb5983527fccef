// Continued pre-training windows: every token after the first is a target exactly once, overlaps are context only.
import { describe, expect, it } from 'vitest';
import { slidingWindows } from '../../../main/data/windows';

const ids = Array.from({ length: 23 }, (_, i) => 100 + i);
const targetsOf = (ws: ReturnType<typeof slidingWindows>) => ws.flatMap((w) => [...w.ids].filter((_, i) => w.mask[i] === 1));

describe('slidingWindows', () => {
  it('stride len-1: windows share one token, every token after the first is scored once', () => {
    const ws = slidingWindows(ids, 9, 8);
    expect(ws.map((w) => [w.ids[0], w.ids.length])).toEqual([[100, 9], [108, 9], [116, 7]]);
    expect(targetsOf(ws)).toEqual(ids.slice(1));
    expect(ws.every((w) => w.mask[0] === 0)).toBe(true);
  });

  it('a shorter stride overlaps: the repeated tokens are context, nothing is scored twice', () => {
    const ws = slidingWindows(ids, 8, 4);
    expect(targetsOf(ws)).toEqual(ids.slice(1));
    expect([...ws[1].mask]).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('short documents give one window; bad strides are refused', () => {
    expect(slidingWindows(ids.slice(0, 5), 9, 8).map((w) => w.ids.length)).toEqual([5]);
    expect(slidingWindows([7], 9, 8)).toEqual([]);
    expect(() => slidingWindows(ids, 9, 9)).toThrow(/stride must be 1..8/);
  });
});
