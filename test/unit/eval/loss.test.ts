// Loss statistics and batched scoring: padding and batching never change a sequence's log-probs, both sides are
// scored, and perplexity is exp(mean NLL) over the supervised tokens only.
import { describe, expect, it } from 'vitest';
import { LossAccumulator, bucketWidthFor } from '../../../main/eval/loss';
import { planBatches, scoreSequences, type ScoringModel } from '../../../main/host/eval/scorer';
import { lossEval } from '../../../main/host/eval/loss-eval';
import { diffOf } from '../../../main/api/eval-types';

/** A causal toy model: log p(ids[i+1] | ids[..i]) depends only on the prefix (its sum) and the adapter flag. */
const toyLp = (prefixSum: number, next: number, adapter: boolean) => -(((prefixSum * 7 + next * 3) % 11) / 10 + (adapter ? 0.05 : 0.5));
function toyModel(calls: { batch: number; length: number }[]): ScoringModel {
  return {
    async logprobs(ids, o) {
      const B = o.batch ?? 1;
      const T = ids.length / B;
      calls.push({ batch: B, length: T });
      const out = new Float32Array(B * (T - 1));
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let i = 0; i + 1 < T; i++) {
          s += ids[b * T + i];
          out[b * (T - 1) + i] = toyLp(s, ids[b * T + i + 1], !!o.adapter);
        }
      }
      return out;
    },
  };
}

describe('loss', () => {
  it('averages NLL over supervised tokens only; ppl = exp(loss)', () => {
    const acc = new LossAccumulator(2);
    acc.add(0, { ids: [1, 2, 3, 4], mask: [0, 0, 1, 1] }, [-9, -1, -3]);
    acc.add(1, { ids: [5, 6], mask: [0, 1] }, [-2]);
    const s = acc.summary();
    expect(s.tokens).toBe(3);
    expect(s.loss).toBeCloseTo((1 + 3 + 2) / 3, 12);
    expect(s.ppl).toBeCloseTo(Math.exp(2), 12);
    expect(s.perExample.map((e) => e.loss)).toEqual([2, 2]);
    expect(s.byPosition).toEqual([{ start: 0, loss: 2, tokens: 1 }, { start: 2, loss: 2, tokens: 2 }]);
  });
  it('keeps the position curve short', () => {
    expect(bucketWidthFor(64)).toBe(1);
    expect(bucketWidthFor(1000)).toBe(16);
  });
  it('plans batches longest first within the token budget', () => {
    expect(planBatches([5, 9, 1, 9, 3], 20, 8)).toEqual([[1, 3], [0, 4]]);
    expect(planBatches([4, 4, 4], 100, 2)).toEqual([[0, 1], [2]]);
  });
  it('batched, padded scoring equals scoring each sequence alone, for both sides', async () => {
    const seqs = [
      { ids: [3, 1, 4, 1, 5, 9, 2], mask: [0, 0, 0, 1, 1, 1, 1] },
      { ids: [2, 7], mask: [0, 1] },
      { ids: [1, 8, 2, 8], mask: [1, 1, 1, 1] },
      { ids: [6], mask: [1] },
    ];
    const calls: { batch: number; length: number }[] = [];
    const batched = await scoreSequences(toyModel(calls), seqs, [false, true], { padId: 0, batchTokens: 16 });
    expect(calls.some((c) => c.batch > 1)).toBe(true);
    for (const side of [false, true]) {
      const alone = new LossAccumulator(1);
      for (const [i, s] of seqs.entries()) alone.add(i, s, s.ids.length > 1 ? await toyModel([]).logprobs(s.ids, { adapter: side }) : []);
      const a = alone.summary();
      const b = batched.get(side)!;
      expect(b.loss).toBeCloseTo(a.loss, 6);
      expect(b.tokens).toBe(a.tokens);
      expect(b.perExample.map((e) => e.tokens)).toEqual([4, 1, 3, 0]);
    }
    expect(batched.get(true)!.loss).toBeLessThan(batched.get(false)!.loss);
  });
  it('the forgetting probe warns when the adapter is more than 10% worse than the base', async () => {
    const seqs = [{ ids: [1, 2, 3, 4, 5], mask: [1, 1, 1, 1, 1] }];
    // Adapter log-probs shifted by a constant: ppl ratio = exp(shift).
    const shifted = (shift: number): ScoringModel => ({
      async logprobs(ids, o) {
        return new Float32Array(ids.length - 1).fill(-1 - (o.adapter ? shift : 0));
      },
    });
    const worse = await lossEval({ model: shifted(0.2), seqs, hasAdapter: true, padId: 0, forgetting: true });
    expect(worse.forgetting!.ratio).toBeCloseTo(Math.exp(0.2), 5);
    expect(worse.forgetting!.warn).toBe(true);
    const fine = await lossEval({ model: shifted(0.05), seqs, hasAdapter: true, padId: 0, forgetting: true });
    expect(fine.forgetting!.warn).toBe(false);
    expect((await lossEval({ model: shifted(0.2), seqs, hasAdapter: true, padId: 0 })).forgetting).toBeUndefined();
  });
  it('classifies each row: fixed, broken, still failing, still passing', () => {
    expect([diffOf(false, true), diffOf(true, false), diffOf(false, false), diffOf(true, true)]).toEqual(['fixed', 'broken', 'still-failing', 'still-passing']);
  });
});
