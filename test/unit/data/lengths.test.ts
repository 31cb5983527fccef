// Length statistics and policies, deterministic splits and packing with document boundaries.
import { describe, expect, it } from 'vitest';
import { applyLengthPolicy, emptyPolicyCounts, LengthStats, truncateKeepingAnswer } from '../../../main/data/lengths';
import { splitFlags } from '../../../main/data/split';
import type { TokenSeq } from '../../../main/data/tokenize';

const seq = (ids: number[], mask: number[]): TokenSeq => ({ ids: Uint32Array.from(ids), mask: Uint8Array.from(mask) });
const ex = (s: TokenSeq) => ({ line: 1, seqs: [s] });

describe('length statistics', () => {
  it('computes min, median, p95, max, over-limit and a histogram', () => {
    const st = new LengthStats();
    for (let n = 1; n <= 100; n++) st.add(ex(seq(new Array(n).fill(7), new Array(n).fill(n % 2))));
    const s = st.summary(90, 10);
    expect(s).toMatchObject({ count: 100, min: 1, p50: 50, p95: 95, max: 100, mean: 50.5, overLimit: 10, maxLen: 90, totalTokens: 5050 });
    expect(s.histogram.edges).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(s.histogram.counts).toEqual([9, 10, 10, 10, 10, 10, 10, 10, 10, 11]);
    expect(s.trainedTokens).toBe(Array.from({ length: 100 }, (_, i) => i + 1).filter((n) => n % 2).reduce((a, b) => a + b * 1, 0));
  });
});

describe('length policies', () => {
  // BOS=1, prompt 10..15, answer 20..23 (trained)
  const s = seq([1, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23], [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);

  it('truncate keeps BOS and the whole answer, dropping the oldest prompt tokens', () => {
    const t = truncateKeepingAnswer(s, 8, 1);
    expect(Array.from(t.ids)).toEqual([1, 13, 14, 15, 20, 21, 22, 23]);
    expect(Array.from(t.mask)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('truncate drops the whole prompt before any of the answer; a too-long answer keeps half the window of prompt', () => {
    expect(Array.from(truncateKeepingAnswer(s, 5, 1).ids)).toEqual([1, 20, 21, 22, 23]);
    expect(Array.from(truncateKeepingAnswer(s, 4, 1).ids)).toEqual([1, 15, 20, 21]);
    expect(Array.from(truncateKeepingAnswer(s, 6, null).ids)).toEqual([14, 15, 20, 21, 22, 23]); // no BOS to keep
  });

  it('drop removes and counts; split cuts windows and leaves out pieces with nothing to learn', () => {
    const c = emptyPolicyCounts();
    expect(applyLengthPolicy(ex(s), 8, 'drop', 1, c)).toEqual([]);
    const pieces = applyLengthPolicy(ex(s), 4, 'split', 1, c);
    expect(pieces.map((p) => Array.from(p.seqs[0].ids))).toEqual([[13, 14, 15, 20], [21, 22, 23]]);
    expect(c).toEqual({ truncated: 0, dropped: 1, split: 1, splitPieces: 2, emptyPieces: 1, tooLong: [] });
    expect(applyLengthPolicy(ex(s), 11, 'drop', 1, c)).toHaveLength(1);
  });

  it('preference pairs are truncated, never split', () => {
    const c = emptyPolicyCounts();
    const out = applyLengthPolicy({ line: 1, seqs: [s, s] }, 8, 'split', 1, c);
    expect(out[0].seqs.map((x) => x.ids.length)).toEqual([8, 8]);
    expect(c.truncated).toBe(1);
  });
});

describe('splits', () => {
  it('is deterministic, exact in size, and changes with the seed', () => {
    const a = splitFlags(1000, { valFraction: 0.1, seed: 42 });
    const b = splitFlags(1000, { valFraction: 0.1, seed: 42 });
    const c = splitFlags(1000, { valFraction: 0.1, seed: 7 });
    expect(a.reduce((x, y) => x + y, 0)).toBe(100);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(splitFlags(10, { valCount: 3 }).reduce((x, y) => x + y, 0)).toBe(3);
    expect(splitFlags(10, {}).reduce((x, y) => x + y, 0)).toBe(0);
  });
});
