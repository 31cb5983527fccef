// Adapter merge lab: linear self-merge is the identity, TIES/DARE/SVD against small hand-computed cases, and the
// merged adapter loads in the engine with the predicted log-probs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEngine } from '../../../main/engine/engine';
import { symmetricEigen, truncatedSvd } from '../../../main/export/linalg';
import { dareCombine, mergeAdapters, tiesCombine } from '../../../main/export/merge-lab';
import { loraDelta, readPeftAdapter, writePeftAdapter, type PeftAdapter } from '../../../main/export/peft-adapter';
import { writeTinyAdapter } from '../../helpers/tiny-adapter';
import { tempDir } from '../../helpers/temp-dir';
import { tinyModel } from '../../helpers/tiny-model';

const tmp = tempDir('lathe-mergelab-');
const f = (...x: number[]) => Float32Array.from(x);

/** A one-module adapter with A [r, in], B [out, r] and scale alpha/r. */
function adapter(A: number[], B: number[], r: number, inF: number, out: number, alpha = r): PeftAdapter {
  return {
    dir: `mem-${A.join('_')}`,
    config: { r, loraAlpha: alpha, useRslora: false, targetModules: ['q_proj'], baseModel: 'x', rankPattern: {}, alphaPattern: {}, raw: {} },
    modules: [{ module: 'model.layers.0.self_attn.q_proj', r, inFeatures: inF, outFeatures: out, alpha, scale: alpha / r, A: Float32Array.from(A), B: Float32Array.from(B) }],
    tables: new Map(),
  };
}
const deltaOf = (m: ReturnType<typeof mergeAdapters>) => {
  const x = m.modules[0];
  return Array.from(loraDelta({ ...x, scale: m.alpha / x.r }));
};
const close = (a: number[], b: number[], tol = 1e-5) => a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(tol));

describe('hand-computed cases', () => {
  // out 2, in 3, rank 1 each.
  const a1 = adapter([1, 0, 1], [1, 2], 1, 3, 2, 2); // Δ1 = 2·[[1,0,1],[2,0,2]]
  const a2 = adapter([0, 1, -1], [3, -1], 1, 3, 2); // Δ2 = [[0,3,-3],[0,-1,1]]

  it('linear: Σ wᵢΔᵢ exactly, ranks concatenated', () => {
    const m = mergeAdapters([a1, a2], { method: 'linear', weights: [0.5, 2] });
    expect(m.modules[0].r).toBe(2);
    close(deltaOf(m), [1, 6, -5, 2, -2, 4]);
  });

  it('svd: the weighted sum re-factored at rank 1 is its best rank-1 approximation', () => {
    const m = mergeAdapters([a1, a2], { method: 'svd', weights: [1, 1], rank: 1 });
    expect(m.modules[0].r).toBe(1);
    // Δ = [[2,3,-1],[4,-1,5]]: ΔΔᵀ = [[14,0],[0,42]], so the best rank-1 approximation keeps row 2 exactly and
    // its residual is row 1 (norm² = σ₂² = 14).
    const d = deltaOf(m);
    const full = [2, 3, -1, 4, -1, 5];
    close(d, [0, 0, 0, 4, -1, 5], 1e-4);
    const res = full.reduce((s, v, i) => s + (v - d[i]) ** 2, 0);
    expect(res).toBeCloseTo(14, 4);
    // At rank 2 the sum is exact.
    close(deltaOf(mergeAdapters([a1, a2], { method: 'svd', weights: [1, 1], rank: 2 })), full, 1e-4);
  });

  it('ties: trim to density, elect the sign of the sum, average agreeing values', () => {
    // d1 keeps |3|,|−2| (top 2 of 4); d2 keeps 4, −1 (top 2: 4 and the first of the |1| ties).
    const d1 = f(3, -2, 1, 0.5);
    const d2 = f(4, 1, -1, -0.2);
    const t = Array.from(tiesCombine([d1, d2], 0.5));
    // trimmed: d1 = [3,−2,0,0], d2 = [4,1,0,0] (ties keep the earliest) → signs: +, sum −1 → −, 0, 0
    expect(t).toEqual([3.5, -2, 0, 0]);
    const m = mergeAdapters([a1, a2], { method: 'ties', weights: [1, 1], density: 0.5, rank: 2 });
    // Δ1 = [2,0,2,4,0,4] keeps 4, 4 and the first 2; Δ2 = [0,3,−3,0,−1,1] keeps 3, −3 and the first |1| (−1).
    // Elected signs: [+,+,−,+,−,+]; agreeing means: [2, 3, −3, 4, −1, 4].
    close(deltaOf(m), [2, 3, -3, 4, -1, 4], 1e-4);
  });

  it('dare: density 1 is the plain sum; lower density keeps that share, rescaled, and is reproducible', () => {
    const d1 = Float32Array.from({ length: 4000 }, () => 1);
    expect(Array.from(dareCombine([f(1, 2), f(3, 4)], 1, 5))).toEqual([4, 6]);
    const x = dareCombine([d1], 0.25, 9);
    const kept = x.filter((v) => v !== 0);
    expect(kept.every((v) => v === 4)).toBe(true);
    expect(Math.abs(kept.length / 4000 - 0.25)).toBeLessThan(0.03);
    expect(dareCombine([d1], 0.25, 9)).toEqual(x);
    expect(Math.abs(x.reduce((s, v) => s + v, 0) / 4000 - 1)).toBeLessThan(0.12);
  });

  it('rejects mismatched shapes and bad weights with what to fix', () => {
    const other = adapter([1, 0], [1, 2], 1, 2, 2);
    expect(() => mergeAdapters([a1, other], { method: 'linear' })).toThrow(/q_proj is \[2, 2\], another adapter has \[2, 3\]/);
    expect(() => mergeAdapters([a1, a2], { method: 'linear', weights: [1] })).toThrow(/--weights needs 2 numbers/);
    expect(() => mergeAdapters([a1], { method: 'linear' })).toThrow(/at least 2 adapters/);
  });
});

describe('linalg', () => {
  it('eigen and truncated SVD recover a known decomposition', () => {
    const { values } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    close(Array.from(values), [3, 1], 1e-12);
    const { S } = truncatedSvd(Float64Array.from([3, 0, 0, 0, 2, 0]), 2, 3, 2);
    close(Array.from(S), [3, 2], 1e-9);
  });
});

describe('with the engine', () => {
  it('linear merge of an adapter with itself at 0.5/0.5 equals the adapter (log-probs), and loads as a PEFT adapter', async () => {
    const base = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const src = await writeTinyAdapter(base, join(tmp, 'a'), { r: 4, rslora: true });
    const a = await readPeftAdapter(src);
    const merged = mergeAdapters([a, a], { method: 'linear', weights: [0.5, 0.5] });
    const out = join(tmp, 'self');
    await writePeftAdapter(out, { baseModel: base, alpha: merged.alpha, useRslora: false, modules: merged.modules });
    for (const m of merged.modules) {
      const orig = a.modules.find((x) => x.module === m.module)!;
      close(Array.from(loraDelta({ ...m, scale: merged.alpha / m.r })), Array.from(loraDelta(orig)), 1e-5);
    }
    const e = openEngine({ threads: 2 });
    const ids = [1, 5, 300, 42, 7, 99, 250];
    const model = await e.loadModel(base, { maxSeqLen: 16 });
    try {
      await model.loadAdapter(src);
      const want = await model.logprobs(ids);
      await model.loadAdapter(out);
      const got = await model.logprobs(ids);
      got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-4));
    } finally {
      await model.close();
    }
  });
});
