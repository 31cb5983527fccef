// Batched teacher-forced scoring through the engine: sequences sorted by length, right-padded into batches of about
// `batchTokens` positions (causal attention: padding after a row's end cannot change its log-probs), one forward per
// batch with the adapter on or off. Both sides score the same batches on the one loaded model.
import { LossAccumulator, bucketWidthFor, type LossSummary, type ScoredSeq } from '../../eval/loss';

/** What scoring needs from the engine (EngineModel satisfies it; tests pass a reference model). */
export interface ScoringModel {
  logprobs(ids: ArrayLike<number>, opts: { adapter?: boolean; batch?: number; signal?: AbortSignal }): Promise<Float32Array>;
}

export interface ScoreOptions {
  padId: number;
  /** Positions per forward (rows x length); default 4096. */
  batchTokens?: number;
  /** Most rows per forward; default 16. */
  maxBatch?: number;
  signal?: AbortSignal;
  /** Called after each batch with sequences done so far. */
  onProgress?(done: number, total: number): void;
}

/** Groups sequence indices (longest first) into batches whose padded size stays within batchTokens. */
export function planBatches(lengths: number[], batchTokens: number, maxBatch: number): number[][] {
  const order = lengths.map((_, i) => i).filter((i) => lengths[i] >= 2).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const batches: number[][] = [];
  let cur: number[] = [];
  for (const i of order) {
    // Sorted longest first, so the first row of a batch fixes its padded length.
    const width = cur.length ? lengths[cur[0]] : lengths[i];
    if (cur.length && ((cur.length + 1) * width > batchTokens || cur.length >= maxBatch)) {
      batches.push(cur);
      cur = [];
    }
    cur.push(i);
  }
  if (cur.length) batches.push(cur);
  return batches;
}

/**
 * Scores every sequence with the adapter on and/or off. Returns one LossSummary per side asked for.
 * Sequences shorter than 2 tokens have nothing to predict and count as examples with 0 tokens.
 */
export async function scoreSequences(model: ScoringModel, seqs: ScoredSeq[], sides: boolean[], o: ScoreOptions): Promise<Map<boolean, LossSummary>> {
  const lengths = seqs.map((s) => s.ids.length);
  const width = bucketWidthFor(Math.max(0, ...lengths));
  const acc = new Map(sides.map((side) => [side, new LossAccumulator(width)]));
  const batches = planBatches(lengths, o.batchTokens ?? 4096, o.maxBatch ?? 16);
  let done = 0;
  const total = seqs.length;
  for (const rows of batches) {
    const T = lengths[rows[0]];
    const flat = new Int32Array(rows.length * T).fill(o.padId);
    rows.forEach((r, b) => flat.set(Array.from(seqs[r].ids), b * T));
    for (const side of sides) {
      const lp = await model.logprobs(flat, { adapter: side, batch: rows.length, signal: o.signal });
      rows.forEach((r, b) => acc.get(side)!.add(r, seqs[r], lp.subarray(b * (T - 1), b * (T - 1) + lengths[r] - 1)));
    }
    done += rows.length;
    o.onProgress?.(done, total);
  }
  // Sequences too short to score still appear (0 tokens), so per-example indices line up with the input.
  seqs.forEach((s, i) => {
    if (s.ids.length < 2) for (const a of acc.values()) a.add(i, s, []);
  });
  return new Map([...acc].map(([side, a]) => [side, a.summary()]));
}
