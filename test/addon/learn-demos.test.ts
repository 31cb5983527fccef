// The Learn page's live demos on the demo model, through the engine-host ops: the next-token view's log-probs equal
// what `lathe score` computes for the same text, one real step on a throwaway LoRA lowers that text's loss (and leaves
// no adapter behind), and the gap-filling ranking scores are the whole completed sentences' `lathe score` totals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type EngineModel } from '../../main/engine/engine';
import { loadTokenizer, type LatheTokenizer } from '../../main/models/tokenizer';
import { ensureDemoBaseModel } from '../../main/runs/demo-model';
import { nextTokenOp, oneStepOp } from '../../main/host/learn/next-token-op';
import { fillMaskOp, splitGap } from '../../main/host/learn/fill-mask-op';
import { release } from '../../main/host/eval/model-cache';
import { tempDir } from '../helpers/temp-dir';

const TEXT = 'The quick brown fox jumps over the lazy dog.';
const ctx = { signal: new AbortController().signal };
let dir: string;
let tok: LatheTokenizer;
/** A separate engine and model, loaded the way `lathe score` loads one: the independent reference. */
let ref: EngineModel;

/** `lathe score --text`: the tokenizer's ids, then logprobs() with no adapter. */
async function score(text: string): Promise<number[]> {
  return Array.from(await ref.logprobs(tok.encode(text), { adapter: false }));
}

beforeAll(async () => {
  dir = await ensureDemoBaseModel(tempDir('lathe-learn-'));
  tok = await loadTokenizer(dir);
  ref = await openEngine({ threads: 2 }).loadModel(dir, { maxSeqLen: 64 });
}, 120_000);

afterAll(async () => {
  await ref?.close();
  await release();
});

describe('learn demos on the demo model', () => {
  it('next token: every position carries the score log-prob of the true token, and the loss is their sum', async () => {
    const r = await nextTokenOp({ model: dir, text: TEXT, k: 5 }, ctx);
    const lp = await score(TEXT);
    expect(r.positions).toHaveLength(lp.length);
    r.positions.forEach((p, i) => {
      expect(Math.abs(p.logprob - lp[i])).toBeLessThan(1e-4);
      expect(p.top).toHaveLength(5);
      expect(p.top.reduce((s, t) => s + Math.exp(t.logprob), 0)).toBeLessThanOrEqual(1 + 1e-5);
      if (p.rank !== null) expect(p.top[p.rank - 1].id).toBe(p.target.id);
    });
    expect(r.sumLoss).toBeCloseTo(-lp.reduce((a, b) => a + b, 0), 3);
    expect(r.tokens.map((t) => t.id)).toEqual(tok.encode(TEXT));
  });

  it('one step: the summed loss of the text goes down, and the throwaway adapter is gone afterwards', async () => {
    const r = await oneStepOp({ model: dir, text: TEXT, lr: 1e-2, r: 8 }, ctx);
    const base = -(await score(TEXT)).reduce((a, b) => a + b, 0);
    expect(Math.abs(r.before.sumLoss - base)).toBeLessThan(1e-3);
    expect(r.after.sumLoss).toBeLessThan(r.before.sumLoss);
    expect(r.gradNorm).toBeGreaterThan(0);
    expect(r.loraParameters).toBeGreaterThan(0);
    // The next demo sees the base model again.
    const again = await nextTokenOp({ model: dir, text: TEXT, k: 1 }, ctx);
    expect(again.sumLoss).toBeCloseTo(base, 3);
  });

  it('fill the gap: each candidate score is the whole completed sentence total that `lathe score` gives', async () => {
    const text = 'The cat sat on the ___ by the door.';
    const r = await fillMaskOp({ model: dir, text, candidates: ['mat', 'roof', 'moon'], modelGuesses: 2 }, ctx);
    expect(r.candidates.filter((c) => c.source === 'user').map((c) => c.word).sort()).toEqual(['mat', 'moon', 'roof']);
    for (const c of r.candidates) {
      expect(c.sentence).toBe(text.replace('___', c.word));
      const total = (await score(c.sentence)).reduce((a, b) => a + b, 0);
      expect(Math.abs(c.logprob - total)).toBeLessThan(1e-3);
    }
    for (let i = 1; i < r.candidates.length; i++) expect(r.candidates[i].logprob).toBeLessThanOrEqual(r.candidates[i - 1].logprob);
    expect(() => splitGap('no gap here')).toThrow(/exactly one gap/);
  });
});
