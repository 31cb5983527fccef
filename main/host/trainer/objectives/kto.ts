// KTO (Kahneman-Tversky optimisation) as TRL defines it: unpaired completions labelled desirable or undesirable, each
// rewarded by beta * (log-ratio to the reference) against a KL baseline z0. z0 is estimated, without gradient, from
// mismatched pairs (the prompt of one example with the completion of the next) as in the KTO paper and TRL.
import { BatchSource, type MicroBatch, type TokenizedExample } from '../batches';
import type { TrainableModel } from '../engine-port';
import type { AccumulateContext, ObjectiveEval, ObjectiveStep, TrainObjective } from './objective';
import { epochMicros } from './objective';
import { sigmoid } from './preference-loss';
import { rowSums } from './preference';

export interface KtoParams {
  beta: number;
  desirableWeight: number;
  undesirableWeight: number;
}

/** One example's KTO loss, dLoss/d(summed policy log-prob) and implicit reward, given the KL baseline z0. */
export function ktoLoss(logp: number, refLogp: number, desirable: boolean, z0: number, p: KtoParams): { loss: number; d: number; reward: number } {
  const r = logp - refLogp;
  if (desirable) {
    const s = sigmoid(p.beta * (r - z0));
    return { loss: p.desirableWeight * (1 - s), d: -p.desirableWeight * s * (1 - s) * p.beta, reward: p.beta * r };
  }
  const s = sigmoid(p.beta * (z0 - r));
  return { loss: p.undesirableWeight * (1 - s), d: p.undesirableWeight * s * (1 - s) * p.beta, reward: p.beta * r };
}

/** Index of the first scored token: everything before it is the prompt. */
function firstScored(ex: TokenizedExample): number {
  for (let i = 1; i < ex.weights.length; i++) if (ex.weights[i] !== 0) return i;
  return ex.ids.length;
}

/** Prompt of each example followed by the completion of the next one (token level, so the template's turn markers stay). */
export function mismatchedPairs(examples: TokenizedExample[]): TokenizedExample[] {
  return examples.map((ex, i) => {
    const other = examples[(i + 1) % examples.length];
    const p = firstScored(ex);
    const c = firstScored(other);
    const ids = [...Array.from(ex.ids).slice(0, p), ...Array.from(other.ids).slice(c)];
    const weights = [...new Array<number>(p).fill(0), ...Array.from(other.weights).slice(c)];
    return { ids, weights };
  });
}

export interface KtoData {
  examples: TokenizedExample[];
  labels: boolean[];
  ref: Float64Array;
}

export class KtoTrainObjective implements TrainObjective {
  readonly name = 'kto';

  /** `source` builds an unshuffled batch source over given examples (same seqLen and padding as training). */
  constructor(private readonly params: KtoParams, private readonly train: KtoData, private readonly validation: KtoData | null, private readonly source: (examples: TokenizedExample[]) => BatchSource) {}

  /** z0 = max(0, mean over mismatched pairs of policy minus reference log-prob), no gradient. */
  private async klEstimate(model: TrainableModel, examples: TokenizedExample[], signal?: AbortSignal): Promise<number> {
    if (examples.length < 2) return 0;
    const src = this.source(mismatchedPairs(examples));
    let sum = 0;
    for (const m of epochMicros(src)) {
      const on = rowSums(await model.forward(m.batch, { adapter: true, keepForBackward: false, signal }), m).sums;
      const off = rowSums(await model.forward(m.batch, { adapter: false, keepForBackward: false, signal }), m).sums;
      for (let b = 0; b < on.length; b++) sum += on[b] - off[b];
    }
    return Math.max(0, sum / examples.length);
  }

  private score(logp: Float32Array, micro: MicroBatch, data: KtoData, z0: number, scale: number, stats: KtoStats, seeds: Float32Array | null): number {
    const { sums, counts } = rowSums(logp, micro);
    const T = micro.batch.seqLen;
    let loss = 0;
    for (let b = 0; b < micro.batch.batch; b++) {
      if (counts[b] === 0) continue;
      const ex = micro.examples[b];
      const r = ktoLoss(sums[b], data.ref[ex], data.labels[ex], z0, this.params);
      loss += r.loss * scale;
      stats.add(data.labels[ex], r.reward, sums[b]);
      if (seeds) for (let t = b * T; t < (b + 1) * T; t++) if (micro.weights[t] !== 0) seeds[t] = micro.weights[t] * r.d * scale;
    }
    return loss;
  }

  async accumulate(model: TrainableModel, micros: MicroBatch[], ctx: AccumulateContext): Promise<ObjectiveStep> {
    const scored = micros.reduce((s, m) => s + rowSums(m.weights, m).counts.filter((c) => c > 0).length, 0);
    if (scored === 0) return { loss: 0, empty: true };
    const stepExamples = micros.flatMap((m) => [...m.examples].map((i) => this.train.examples[i]));
    const z0 = await this.klEstimate(model, stepExamples, ctx.signal);
    const stats = new KtoStats();
    let loss = 0;
    for (const m of micros) {
      let logp = await model.forward(m.batch, { adapter: true, keepForBackward: true, signal: ctx.signal });
      if (ctx.filterLogp) logp = ctx.filterLogp(logp);
      const seeds = new Float32Array(logp.length);
      loss += this.score(logp, m, this.train, z0, 1 / scored, stats, seeds);
      await model.backward(seeds, { signal: ctx.signal });
    }
    return { loss, empty: false, metrics: { ...stats.means(), kl: z0 } };
  }

  async evaluate(model: TrainableModel, validation: BatchSource, signal?: AbortSignal): Promise<ObjectiveEval> {
    const data = this.validation;
    if (!data) return { loss: NaN, perplexity: NaN };
    const z0 = await this.klEstimate(model, data.examples, signal);
    const stats = new KtoStats();
    let loss = 0;
    let logpSum = 0;
    let tokens = 0;
    for (const m of epochMicros(validation)) {
      const logp = await model.forward(m.batch, { adapter: true, keepForBackward: false, signal });
      loss += this.score(logp, m, data, z0, 1, stats, null);
      const { sums, counts } = rowSums(logp, m);
      sums.forEach((s, b) => {
        if (data.labels[m.examples[b]]) {
          logpSum += s;
          tokens += counts[b];
        }
      });
    }
    // Perplexity of the desirable completions: whether the good answers stay likely.
    return { loss: stats.n ? loss / stats.n : NaN, perplexity: Math.exp(-logpSum / Math.max(1, tokens)), metrics: { ...stats.means('eval/'), 'eval/kl': z0 } };
  }
}

/** Mean implicit rewards of the desirable ("chosen") and undesirable ("rejected") completions, TRL's names. */
class KtoStats {
  n = 0;
  private s = { c: 0, nc: 0, r: 0, nr: 0, lc: 0, lr: 0 };
  add(desirable: boolean, reward: number, logp: number): void {
    this.n++;
    if (desirable) {
      this.s.c += reward;
      this.s.lc += logp;
      this.s.nc++;
    } else {
      this.s.r += reward;
      this.s.lr += logp;
      this.s.nr++;
    }
  }
  means(prefix = ''): Record<string, number> {
    const { c, nc, r, nr, lc, lr } = this.s;
    const out: Record<string, number> = {};
    if (nc) Object.assign(out, { [`${prefix}rewards/chosen`]: c / nc, [`${prefix}logps/chosen`]: lc / nc });
    if (nr) Object.assign(out, { [`${prefix}rewards/rejected`]: r / nr, [`${prefix}logps/rejected`]: lr / nr });
    if (nc && nr) out[`${prefix}rewards/margin`] = c / nc - r / nr;
    return out;
  }
}
