// DPO / IPO / ORPO / SimPO as a pluggable objective. Each micro-batch holds whole pairs (row 2k = chosen, 2k+1 =
// rejected, from a BatchSource with group 2), so one forward scores both answers and one backward takes the seeds
// dLoss/dlogp(token) = dLoss/d(answer's summed log-prob) * token weight. Pairs are averaged over the whole step.
import type { MicroBatch } from '../batches';
import type { PreferenceParams, PreferenceObjective } from './preference-loss';
import { needsReference, pairLoss } from './preference-loss';
import type { AccumulateContext, ObjectiveEval, ObjectiveStep, TrainObjective } from './objective';
import { epochMicros } from './objective';
import type { TrainableModel } from '../engine-port';
import type { BatchSource } from '../batches';

/** Per-row sums of weighted log-probs and of weights (scored tokens). */
export function rowSums(logp: ArrayLike<number>, micro: MicroBatch): { sums: Float64Array; counts: Float64Array } {
  const { batch: B, seqLen: T } = micro.batch;
  const sums = new Float64Array(B);
  const counts = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    for (let t = b * T; t < (b + 1) * T; t++) {
      const w = micro.weights[t];
      if (w === 0) continue;
      sums[b] += w * logp[t];
      counts[b] += w;
    }
  }
  return { sums, counts };
}

/** Reference log-probs, one summed value per example (chosen and rejected alike), indexed as the BatchSource's examples. */
export interface PreferenceRefs {
  train: Float64Array | null;
  validation: Float64Array | null;
}

const METRIC_KEYS = ['rewards/chosen', 'rewards/rejected', 'rewards/accuracy', 'rewards/margin', 'logps/chosen', 'logps/rejected'] as const;

/** Running sums of the per-pair figures TRL logs. */
class PairStats {
  n = 0;
  private s = new Map<string, number>();
  add(rc: number, rr: number, lc: number, lr: number): void {
    this.n++;
    const v = [rc, rr, rc > rr ? 1 : 0, rc - rr, lc, lr];
    METRIC_KEYS.forEach((k, i) => this.s.set(k, (this.s.get(k) ?? 0) + v[i]));
  }
  means(prefix = ''): Record<string, number> {
    return Object.fromEntries(METRIC_KEYS.map((k) => [prefix + k, (this.s.get(k) ?? 0) / Math.max(1, this.n)]));
  }
}

/** Pairs whose chosen and rejected answers both have at least one scored token (others cannot be compared). */
function usablePairs(micro: MicroBatch): boolean[] {
  const { batch: B, seqLen: T } = micro.batch;
  const has = (b: number) => {
    for (let t = b * T; t < (b + 1) * T; t++) if (micro.weights[t] !== 0) return true;
    return false;
  };
  return Array.from({ length: B / 2 }, (_, k) => has(2 * k) && has(2 * k + 1));
}

export class PreferenceTrainObjective implements TrainObjective {
  /** Pairs left out because truncation removed every scored token of one side (counted for the log). */
  unscorablePairs = 0;

  constructor(readonly name: PreferenceObjective, private readonly params: PreferenceParams, private readonly refs: PreferenceRefs) {
    if (needsReference(name) && !refs.train) throw new Error(`${name} needs the reference log-probs of the training pairs`);
  }

  /** Scores the pairs of one micro-batch: loss summed over pairs, seeds scaled by `scale`, stats accumulated. */
  private score(logp: Float32Array, micro: MicroBatch, ref: Float64Array | null, scale: number, stats: PairStats, seeds: Float32Array | null): number {
    const { sums, counts } = rowSums(logp, micro);
    const usable = usablePairs(micro);
    const T = micro.batch.seqLen;
    let loss = 0;
    usable.forEach((ok, k) => {
      if (!ok) return;
      const c = 2 * k;
      const r = c + 1;
      const ex = micro.examples[c];
      const pair = { chosen: sums[c], rejected: sums[r], chosenTokens: counts[c], rejectedTokens: counts[r] };
      const refPair = ref ? { chosen: ref[ex], rejected: ref[micro.examples[r]] } : null;
      const res = pairLoss(this.name, pair, refPair, this.params);
      loss += res.loss * scale;
      stats.add(res.rewardChosen, res.rewardRejected, sums[c], sums[r]);
      if (!seeds) return;
      for (const [row, d] of [[c, res.dChosen], [r, res.dRejected]] as const) {
        for (let t = row * T; t < (row + 1) * T; t++) if (micro.weights[t] !== 0) seeds[t] = micro.weights[t] * d * scale;
      }
    });
    return loss;
  }

  async accumulate(model: TrainableModel, micros: MicroBatch[], ctx: AccumulateContext): Promise<ObjectiveStep> {
    const counts = micros.map((m) => usablePairs(m).filter(Boolean).length);
    const pairs = counts.reduce((a, b) => a + b, 0);
    this.unscorablePairs += micros.reduce((s, m) => s + m.batch.batch / 2, 0) - pairs;
    if (pairs === 0) return { loss: 0, empty: true };
    const stats = new PairStats();
    let loss = 0;
    for (let i = 0; i < micros.length; i++) {
      const m = micros[i];
      if (counts[i] === 0) continue;
      let logp = await model.forward(m.batch, { adapter: true, keepForBackward: true, signal: ctx.signal });
      if (ctx.filterLogp) logp = ctx.filterLogp(logp);
      const seeds = new Float32Array(logp.length);
      loss += this.score(logp, m, this.refs.train, 1 / pairs, stats, seeds);
      await model.backward(seeds, { signal: ctx.signal });
    }
    return { loss, empty: false, metrics: stats.means() };
  }

  async evaluate(model: TrainableModel, validation: BatchSource, signal?: AbortSignal): Promise<ObjectiveEval> {
    const stats = new PairStats();
    let loss = 0;
    let chosenLogp = 0;
    let chosenTokens = 0;
    for (const m of epochMicros(validation)) {
      const logp = await model.forward(m.batch, { adapter: true, keepForBackward: false, signal });
      loss += this.score(logp, m, this.refs.validation, 1, stats, null);
      const { sums, counts } = rowSums(logp, m);
      for (let c = 0; c < sums.length; c += 2) {
        chosenLogp += sums[c];
        chosenTokens += counts[c];
      }
    }
    // Perplexity of the chosen answers: whether the preference step still keeps the good answers likely.
    return { loss: stats.n ? loss / stats.n : NaN, perplexity: Math.exp(-chosenLogp / Math.max(1, chosenTokens)), metrics: stats.means('eval/') };
  }
}
