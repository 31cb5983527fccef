// End to end: tiny HF checkpoints → our GGUF writer → llama.cpp (node-llama-cpp) vs our scalar reference forward.
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportGguf, type GgufOutType } from '../../../main/export/gguf-model';
import { loadTokenizer } from '../../../main/models/tokenizer';
import { LlamaCppOracle } from '../../helpers/llamacpp-oracle';
import { loadReferenceModel, referenceGreedy, referenceLogprobs, type ReferenceModel } from '../../helpers/reference-forward';
import { TMP_ROOT, tinyModel, type TinySpec } from '../../helpers/tiny-model';

const OUT = join(TMP_ROOT, 'gguf-llamacpp');
const TEXT = 'The quick brown fox, 42 times: héllo 世界!\n  return x;';

const CASES: { label: string; spec: TinySpec }[] = [
  { label: 'llama (llama3 RoPE scaling, GQA 4/2, untied, llama3 vocab)', spec: { arch: 'llama', ropeScaling: 'llama3' } },
  { label: 'mistral (tied, GQA 4/1, llama2 SentencePiece vocab)', spec: { arch: 'mistral', tied: true, kvHeads: 1, tokenizer: 'llama2' } },
  { label: 'qwen2 (q/k/v bias, tied)', spec: { arch: 'qwen2', tied: true } },
  { label: 'qwen3 (q/k norm, head_dim 24 ≠ 64/4, untied)', spec: { arch: 'qwen3', headDim: 24 } },
];

async function gguf(spec: TinySpec, type: GgufOutType, tag: string): Promise<{ dir: string; path: string }> {
  const dir = await tinyModel(spec);
  await mkdir(OUT, { recursive: true });
  const path = join(OUT, `${tag}-${type}.gguf`);
  await exportGguf(dir, path, { outType: type });
  return { dir, path };
}

const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

describe.each(CASES)('$label', ({ spec }) => {
  let oracle: LlamaCppOracle;
  let ref: ReferenceModel;
  let ids: number[];
  beforeAll(async () => {
    const { dir, path } = await gguf(spec, 'f32', spec.arch);
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
    const { dir } = await gguf(spec, 'f32', 'q');
    const ref = await loadReferenceModel(dir);
    const tok = await loadTokenizer(dir);
    const ids = tok.encode(TEXT).slice(0, 12);
    const want = referenceLogprobs(ref, ids);
    const meanDiff = (a: number[]) => a.reduce((s, v, i) => s + Math.abs(v - want[i]), 0) / a.length;
    const diffs: Record<string, number> = {};
    for (const type of ['f16', 'q8_0', 'q4_0'] as const) {
      const { path } = await gguf(spec, type, 'q');
      const o = await LlamaCppOracle.load(path, { contextSize: 32 });
      try {
        diffs[type] = meanDiff((await o.logprobs(ids)).logprobs);
      } finally {
        await o.dispose();
      }
    }
    const other = await gguf({ ...spec, seed: 1 }, 'f32', 'q-other');
    const o = await LlamaCppOracle.load(other.path, { contextSize: 32 });
    try {
      diffs.otherModel = meanDiff((await o.logprobs(ids)).logprobs);
    } finally {
      await o.dispose();
    }
    expect(diffs.f16).toBeLessThan(5e-3);
    expect(diffs.q8_0).toBeLessThan(2e-2);
    expect(diffs.q4_0).toBeLessThan(0.25);
    expect(diffs.q8_0).toBeLessThan(diffs.q4_0);
    expect(diffs.otherModel).toBeGreaterThan(0.3);
    expect(diffs.otherModel).toBeGreaterThan(4 * diffs.q4_0);
  });
});
