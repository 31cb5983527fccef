// End to end: tiny HF checkpoints → our GGUF writer → llama.cpp (node-llama-cpp) vs our scalar reference forward.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGgml, encodeGgml } from '../../../main/export/ggml-quants';
import { loadTokenizer } from '../../../main/models/tokenizer';
import { LlamaCppOracle } from '../../helpers/llamacpp-oracle';
import { loadReferenceModel, referenceGreedy, referenceLogprobs, type ReferenceModel } from '../../helpers/reference-forward';
import { tinyGguf, type TinySpec } from '../../helpers/tiny-model';

const TEXT = 'The quick brown fox, 42 times: héllo 世界!\n  return x;';

const CASES: { label: string; spec: TinySpec }[] = [
  { label: 'llama (llama3 RoPE scaling, GQA 4/2, untied, llama3 vocab)', spec: { arch: 'llama', ropeScaling: 'llama3' } },
  { label: 'mistral (tied, GQA 4/1, llama2 SentencePiece vocab)', spec: { arch: 'mistral', tied: true, kvHeads: 1, tokenizer: 'llama2' } },
  { label: 'qwen2 (q/k/v bias, tied)', spec: { arch: 'qwen2', tied: true } },
  { label: 'qwen3 (q/k norm, head_dim 24 ≠ 64/4, untied)', spec: { arch: 'qwen3', headDim: 24 } },
  { label: 'llama (synthetic 512 vocab, tied, 3 layers, MHA)', spec: { arch: 'llama', tokenizer: 'synthetic', tied: true, layers: 3, kvHeads: 4 } },
];

const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

describe.each(CASES)('$label', ({ spec }) => {
  let oracle: LlamaCppOracle;
  let ref: ReferenceModel;
  let ids: number[];
  beforeAll(async () => {
    const { dir, path } = await tinyGguf(spec, 'f32');
    oracle = await LlamaCppOracle.load(path, { contextSize: 64 });
    ref = await loadReferenceModel(dir);
    const tok = await loadTokenizer(dir);
    ids = tok.encode(TEXT).slice(0, 14);
    if (tok.bosId != null && ids[0] !== tok.bosId) ids.unshift(tok.bosId);
  });
  afterAll(async () => {
    await oracle?.dispose();
  });

  it('llama.cpp log-probs are a full distribution and match the reference within 2e-3 (f32)', async () => {
    const { logprobs, mass } = await oracle.logprobs(ids);
    expect(logprobs).toHaveLength(ids.length - 1);
    for (const m of mass) expect(Math.abs(m - 1)).toBeLessThan(1e-3);
    expect(logprobs.every(Number.isFinite)).toBe(true);
    const want = referenceLogprobs(ref, ids);
    expect(maxAbsDiff(logprobs, want)).toBeLessThan(2e-3);
    // Not a flat distribution: the comparison above would be meaningless if every log-prob were ≈ -ln V.
    const spread = Math.max(...want) - Math.min(...want);
    expect(spread).toBeGreaterThan(0.5);
  });

  it('greedy generations agree token for token', async () => {
    const prompt = ids.slice(0, 6);
    expect(await oracle.greedy(prompt, 6)).toEqual(referenceGreedy(ref, prompt, 6));
  });
});

describe('quantized and half-precision exports', () => {
  it('F16 / Q8_0 / Q4_0 stay close to F32 in llama.cpp, a different model does not', async () => {
    // The llama2 vocab (32k) keeps the four exports and llama.cpp loads quick.
    const spec: TinySpec = { arch: 'llama', tokenizer: 'llama2', heads: 2, kvHeads: 1 };
    const { dir } = await tinyGguf(spec, 'f32');
    const ref = await loadReferenceModel(dir);
    const tok = await loadTokenizer(dir);
    const ids = tok.encode(TEXT).slice(0, 12);
    const want = referenceLogprobs(ref, ids);
    const meanDiff = (a: number[]) => a.reduce((s, v, i) => s + Math.abs(v - want[i]), 0) / a.length;
    const diffs: Record<string, number> = {};
    const got: Record<string, number[]> = {};
    for (const type of ['f16', 'q8_0', 'q4_0'] as const) {
      const { path } = await tinyGguf(spec, type);
      const o = await LlamaCppOracle.load(path, { contextSize: 32 });
      try {
        got[type] = (await o.logprobs(ids)).logprobs;
        diffs[type] = meanDiff(got[type]);
      } finally {
        await o.dispose();
      }
    }
    // The reference run on our own dequantized Q4_0 weights must land much closer to llama.cpp's Q4_0 run than
    // the f32 reference does: a wrong block layout or nibble order would not.
    const deq = await loadReferenceModel(dir);
    for (const [name, w] of deq.w) {
      if (!name.endsWith('norm.weight') && w.length % 32 === 0 && name !== 'model.norm.weight' && !name.includes('layernorm')) {
        deq.w.set(name, decodeGgml(encodeGgml(w, 'Q4_0'), 'Q4_0', w.length));
      }
    }
    const wantDeq = referenceLogprobs(deq, ids);
    diffs.q4_0VsDequantRef = got.q4_0.reduce((s, v, i) => s + Math.abs(v - wantDeq[i]), 0) / got.q4_0.length;
    const other = await tinyGguf({ ...spec, seed: 1 }, 'f32');
    const o = await LlamaCppOracle.load(other.path, { contextSize: 32 });
    try {
      diffs.otherModel = meanDiff((await o.logprobs(ids)).logprobs);
    } finally {
      await o.dispose();
    }
    console.log('mean |Δ logprob| vs f32 reference:', diffs);
    // llama.cpp also quantizes activations to 8 bits for Q8_0/Q4_0 matmuls, so those errors include that.
    expect(diffs.f16).toBeLessThan(5e-3);
    expect(diffs.q8_0).toBeLessThan(0.06);
    expect(diffs.q4_0).toBeLessThan(0.4);
    expect(diffs.f16).toBeLessThan(diffs.q8_0);
    expect(diffs.q8_0).toBeLessThan(diffs.q4_0);
    expect(diffs.otherModel).toBeGreaterThan(3 * diffs.q4_0);
    expect(diffs.q4_0VsDequantRef).toBeLessThan(diffs.q4_0 / 3);
  });
});
