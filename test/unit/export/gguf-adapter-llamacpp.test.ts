// GGUF exports of base+adapter checked by llama.cpp (node-llama-cpp): the merged model as F16/Q8_0/Q4_0 GGUF, and the
// base GGUF with a GGUF LoRA adapter (llama arch permutation of lora_b, rsLoRA folded into alpha, qwen2/qwen3).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../../main/engine/engine';
import { exportGguf } from '../../../main/export/gguf-model';
import { exportGgufLora } from '../../../main/export/gguf-lora';
import { ggufValue, readGguf } from '../../../main/export/gguf-reader';
import { mergedSource } from '../../../main/export/merge-source';
import { readPeftAdapter } from '../../../main/export/peft-adapter';
import { LlamaCppOracle } from '../../helpers/llamacpp-oracle';
import { writeTinyAdapter } from '../../helpers/tiny-adapter';
import { tempDir } from '../../helpers/temp-dir';
import { tinyGguf, tinyModel, type TinySpec } from '../../helpers/tiny-model';

const tmp = tempDir('lathe-gguf-adapter-');
let engine: Engine;
beforeAll(() => {
  engine = openEngine({ threads: 2 });
});

const IDS = [1, 17, 300, 42, 99, 7, 250, 8, 511, 3, 64, 128, 77, 5];
const stats = (a: number[], b: ArrayLike<number>) => {
  const d = a.map((v, i) => Math.abs(v - b[i]));
  return { mean: d.reduce((s, v) => s + v, 0) / d.length, max: Math.max(...d) };
};

async function lathe(dir: string, adapter: string | null): Promise<{ lp: Float32Array; greedy: number[] }> {
  const m = await engine.loadModel(dir, { maxSeqLen: 32 });
  try {
    if (adapter) await m.loadAdapter(adapter);
    const lp = await m.logprobs(IDS, { adapter: !!adapter });
    const g = await m.generate(IDS.slice(0, 6), { maxNewTokens: 6, adapter: !!adapter });
    return { lp, greedy: g.tokens };
  } finally {
    await m.close();
  }
}

async function llamacpp(path: string, lora?: string): Promise<{ lp: number[]; greedy: number[] }> {
  const o = await LlamaCppOracle.load(path, { contextSize: 32, lora });
  try {
    return { lp: (await o.logprobs(IDS)).logprobs, greedy: await o.greedy(IDS.slice(0, 6), 6) };
  } finally {
    await o.dispose();
  }
}

const LORA_CASES: { label: string; spec: TinySpec; rslora: boolean }[] = [
  { label: 'llama (GQA: q/k permutation of lora_b)', spec: { arch: 'llama', tokenizer: 'synthetic' }, rslora: false },
  { label: 'llama with rsLoRA', spec: { arch: 'llama', tokenizer: 'synthetic' }, rslora: true },
  { label: 'qwen2 (bias, no permutation)', spec: { arch: 'qwen2', tokenizer: 'synthetic', tied: true }, rslora: false },
  { label: 'qwen3 with rsLoRA (head_dim 24)', spec: { arch: 'qwen3', tokenizer: 'synthetic', headDim: 24 }, rslora: true },
];

describe.each(LORA_CASES)('gguf-lora: $label', ({ spec, rslora }) => {
  it("llama.cpp's base GGUF + adapter GGUF matches Lathe's base+adapter log-probs", async () => {
    const { dir, path: baseGguf } = await tinyGguf(spec, 'f32');
    const name = `${spec.arch}-${rslora ? 'rs' : 'plain'}`;
    const adapterDir = await writeTinyAdapter(dir, join(tmp, `${name}-peft`), { r: 8, alpha: 16, rslora, std: 0.2 });
    const out = join(tmp, `${name}.lora.gguf`);
    const res = await exportGgufLora(dir, await readPeftAdapter(adapterDir), out, { type: 'f32' });
    expect(res.alpha).toBeCloseTo(rslora ? 16 * Math.sqrt(8) : 16, 4);
    const f = await readGguf(out);
    expect([ggufValue(f, 'general.type'), ggufValue(f, 'adapter.type'), ggufValue(f, 'general.architecture')]).toEqual(['adapter', 'lora', spec.arch === 'mistral' ? 'llama' : spec.arch]);
    expect(f.tensors.find((t) => t.name === 'blk.0.attn_k.weight.lora_b')?.ne).toEqual([8, (spec.headDim ?? 16) * 2]);
    const want = await lathe(dir, adapterDir);
    const plain = await lathe(dir, null);
    const got = await llamacpp(baseGguf, out);
    const s = stats(got.lp, want.lp);
    console.log(`gguf-lora ${name}: |Δ logprob| mean ${s.mean.toExponential(2)} max ${s.max.toExponential(2)}`);
    // The f32 parity bound is 2e-3 without an adapter; its larger activations add llama.cpp's f16 KV-cache rounding.
    expect(s.max).toBeLessThan(5e-3);
    expect(s.mean).toBeLessThan(1e-3);
    expect(stats(got.lp, plain.lp).max).toBeGreaterThan(0.05);
    expect(got.greedy).toEqual(want.greedy);
  });
});

describe('gguf of the merged model', () => {
  it('F16 matches base+adapter within parity bounds and greedy agrees; Q8_0/Q4_0 stay within stated bounds', async () => {
    const spec: TinySpec = { arch: 'llama', tokenizer: 'synthetic', ropeScaling: 'llama3' };
    const dir = await tinyModel(spec);
    const adapterDir = await writeTinyAdapter(dir, join(tmp, 'merged-peft'), { r: 8, std: 0.2 });
    const src = await mergedSource(dir, await readPeftAdapter(adapterDir));
    const want = await lathe(dir, adapterDir);
    const report: Record<string, { mean: number; max: number }> = {};
    for (const q of ['f16', 'q8_0', 'q4_0'] as const) {
      const path = join(tmp, `merged-${q}.gguf`);
      await exportGguf(dir, path, { outType: q, read: (info) => src.read(info.name) });
      const got = await llamacpp(path);
      report[q] = stats(got.lp, want.lp);
      if (q === 'f16') expect(got.greedy).toEqual(want.greedy);
    }
    console.log('merged GGUF vs Lathe base+adapter |Δ logprob|:', report);
    expect(report.f16.max).toBeLessThan(5e-3);
    expect(report.q8_0.mean).toBeLessThan(0.06);
    expect(report.q4_0.mean).toBeLessThan(0.4);
    expect(report.f16.mean).toBeLessThan(report.q4_0.mean);
  });
});
afterAll(() => undefined);
