// Loss statistics over scored sequences: mean NLL over supervised tokens, perplexity = exp(mean NLL), per-example
// loss (to find the worst examples) and a loss-by-position curve. Pure arithmetic, shared by the host and the tests.
import type { ExampleLoss, LossSummary } from '../api/eval-types';
export type { ExampleLoss, LossSummary };

/** One sequence to score: mask[i] = 1 when ids[i] is a target (predicted from ids[0..i-1]); mask[0] is never used. */
export interface ScoredSeq {
  ids: ArrayLike<number>;
  mask: ArrayLike<number>;
  /** Where it came from (dataset line), for the worst-examples list. */
  line?: number;
}

/** Accumulates teacher-forced log-probs, one sequence at a time in any order. */
export class LossAccumulator {
  private nll = 0;
  private count = 0;
  private readonly perExample: ExampleLoss[] = [];
  private readonly posSum: number[] = [];
  private readonly posCount: number[] = [];

  /** Positions are bucketed by `bucketWidth` tokens for the curve. */
  constructor(private readonly bucketWidth = 16) {}

  /** logprobs[i] = log p(ids[i+1] | ids[0..i]) for i < ids.length - 1. */
  add(index: number, seq: ScoredSeq, logprobs: ArrayLike<number>): ExampleLoss {
    let sum = 0;
    let n = 0;
    for (let i = 0; i + 1 < seq.ids.length; i++) {
      if (!seq.mask[i + 1]) continue;
      const nll = -logprobs[i];
      sum += nll;
      n++;
      const b = Math.floor((i + 1) / this.bucketWidth);
      this.posSum[b] = (this.posSum[b] ?? 0) + nll;
      this.posCount[b] = (this.posCount[b] ?? 0) + 1;
    }
    this.nll += sum;
    this.count += n;
    const ex: ExampleLoss = { index, ...(seq.line !== undefined ? { line: seq.line } : {}), loss: n ? sum / n : NaN, tokens: n };
    this.perExample.push(ex);
    return ex;
  }

  summary(): LossSummary {
    const loss = this.count ? this.nll / this.count : NaN;
    const byPosition: LossSummary['byPosition'] = [];
    for (let b = 0; b < this.posCount.length; b++) {
      if (this.posCount[b]) byPosition.push({ start: b * this.bucketWidth, loss: this.posSum[b] / this.posCount[b], tokens: this.posCount[b] });
    }
    return { loss, ppl: Math.exp(loss), tokens: this.count, examples: this.perExample.length, perExample: [...this.perExample].sort((a, b) => a.index - b.index), byPosition };
  }
}

/** A bucket width that keeps the position curve to at most ~64 points. */
export function bucketWidthFor(longest: number): number {
  return Math.max(1, 2 ** Math.ceil(Math.log2(Math.max(1, longest / 64))));
}

/** The n highest-loss examples (adapter side), each with the base's loss beside it when there is a base. */
export function worstExamples(adapter: ExampleLoss[], base: ExampleLoss[] | undefined, n: number): { index: number; line?: number; loss: number; baseLoss?: number }[] {
  const rows = adapter.filter((e) => Number.isFinite(e.loss)).map((e) => ({ index: e.index, ...(e.line !== undefined ? { line: e.line } : {}), loss: e.loss, ...(base ? { baseLoss: base[e.index]?.loss } : {}) }));
  rows.sort((a, b) => b.loss - a.loss);
  return rows.slice(0, n);
}
