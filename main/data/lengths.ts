// Token-length statistics (min, median, p95, max, histogram) and the explicit over-length policy: truncate, drop or split.
import type { TokenSeq, TokenizedExample } from './tokenize';
import type { TokenStats, PolicyCounts } from '../api/dataset-types';
export type { TokenStats, PolicyCounts };

export type LengthPolicy = 'truncate' | 'drop' | 'split';
export const LENGTH_POLICIES: LengthPolicy[] = ['truncate', 'drop', 'split'];

/** Collects one length per example (the longest of its sequences) in a compact growable array. */
export class LengthStats {
  private lens = new Uint32Array(1024);
  private n = 0;
  trainedTokens = 0;
  totalTokens = 0;

  add(ex: TokenizedExample): void {
    let len = 0;
    for (const s of ex.seqs) {
      len = Math.max(len, s.ids.length);
      this.totalTokens += s.ids.length;
      for (let i = 0; i < s.mask.length; i++) this.trainedTokens += s.mask[i];
    }
    if (this.n === this.lens.length) {
      const g = new Uint32Array(this.lens.length * 2);
      g.set(this.lens);
      this.lens = g;
    }
    this.lens[this.n++] = len;
  }

  summary(maxLen: number | null, bins = 20): TokenStats {
    const a = this.lens.slice(0, this.n).sort();
    const pick = (q: number): number => (a.length ? a[Math.min(a.length - 1, Math.ceil(q * a.length) - 1 < 0 ? 0 : Math.ceil(q * a.length) - 1)] : 0);
    let sum = 0;
    let over = 0;
    for (const x of a) {
      sum += x;
      if (maxLen != null && x > maxLen) over++;
    }
    const maxV = a.length ? a[a.length - 1] : 0;
    // Bins span the data, not the limit: a 2048 limit on 40-token rows would squeeze every row into the first bin.
    const top = Math.max(1, maxV);
    const width = Math.max(1, Math.ceil(top / bins));
    const edges = Array.from({ length: bins + 1 }, (_, i) => i * width);
    const counts = new Array<number>(bins).fill(0);
    for (const x of a) counts[Math.min(bins - 1, Math.floor(x / width))]++;
    return {
      count: a.length,
      min: a.length ? a[0] : 0,
      p50: pick(0.5),
      p95: pick(0.95),
      max: maxV,
      mean: a.length ? Math.round((sum / a.length) * 10) / 10 : 0,
      overLimit: over,
      maxLen,
      histogram: { edges, counts },
      trainedTokens: this.trainedTokens,
      totalTokens: this.totalTokens,
    };
  }
}

const LISTED_TOO_LONG = 1000;

export function emptyPolicyCounts(): PolicyCounts {
  return { truncated: 0, dropped: 0, split: 0, splitPieces: 0, emptyPieces: 0, tooLong: [] };
}

/**
 * Keeps the answer first: the oldest prompt tokens after BOS are removed until the sequence fits. If the answer
 * alone is too long, at most half the window keeps the end of the prompt and the answer is cut at the end.
 */
export function truncateKeepingAnswer(s: TokenSeq, maxLen: number, bosId: number | null): TokenSeq {
  const n = s.ids.length;
  if (n <= maxLen) return s;
  const keepBos = bosId != null && s.ids[0] === bosId ? 1 : 0;
  let first = s.mask.indexOf(1);
  if (first < 0) first = n;
  const answer = n - first;
  const excess = n - maxLen;
  const pick = (ranges: [number, number][]): TokenSeq => {
    const len = ranges.reduce((t, [a, b]) => t + b - a, 0);
    const ids = new Uint32Array(len);
    const mask = new Uint8Array(len);
    let o = 0;
    for (const [a, b] of ranges) {
      ids.set(s.ids.subarray(a, b), o);
      mask.set(s.mask.subarray(a, b), o);
      o += b - a;
    }
    return { ids, mask };
  };
  if (first - keepBos >= excess) return pick([[0, keepBos], [keepBos + excess, n]]);
  const promptKeep = Math.min(first - keepBos, Math.floor((maxLen - keepBos) / 2));
  const answerKeep = maxLen - keepBos - promptKeep;
  return pick([[0, keepBos], [first - promptKeep, first], [first, first + Math.min(answer, answerKeep)]]);
}

/** Consecutive windows of maxLen tokens; windows with nothing to learn are left out (and counted). */
export function splitSeq(s: TokenSeq, maxLen: number): TokenSeq[] {
  const out: TokenSeq[] = [];
  for (let a = 0; a < s.ids.length; a += maxLen) {
    const mask = s.mask.slice(a, a + maxLen);
    out.push({ ids: s.ids.slice(a, a + maxLen), mask });
  }
  return out;
}

/** Applies the policy to one example; returns the examples to keep (zero, one, or several pieces). */
export function applyLengthPolicy(ex: TokenizedExample, maxLen: number, policy: LengthPolicy, bosId: number | null, counts: PolicyCounts): TokenizedExample[] {
  // Conversations were already fitted turn by turn when the tokenizer knew the policy (./fit-turns.ts).
  if (ex.lengthFit?.kind === 'dropped') {
    counts.dropped++;
    if (counts.tooLong.length < LISTED_TOO_LONG) counts.tooLong.push({ line: ex.line, ...(ex.file ? { file: ex.file } : {}), reason: ex.lengthFit.reason });
    return [];
  }
  if (ex.lengthFit?.kind === 'truncated') counts.truncated++;
  if (ex.seqs.every((s) => s.ids.length <= maxLen)) return [ex];
  if (policy === 'drop') {
    counts.dropped++;
    return [];
  }
  // Preference pairs cannot be split into pieces that still compare the same answers: they are truncated.
  if (policy === 'truncate' || ex.seqs.length > 1) {
    counts.truncated++;
    return [{ ...ex, seqs: ex.seqs.map((s) => truncateKeepingAnswer(s, maxLen, bosId)) }];
  }
  const pieces = splitSeq(ex.seqs[0], maxLen);
  const kept = pieces.filter((p) => p.mask.subarray(1).some((v) => v === 1));
  counts.split++;
  counts.splitPieces += kept.length;
  counts.emptyPieces += pieces.length - kept.length;
  return kept.map((p) => ({ ...ex, seqs: [p] }));
}
