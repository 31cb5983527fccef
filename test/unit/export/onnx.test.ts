// ONNX export run by onnxruntime-node: f32 logits match Lathe's base+adapter log-probs for a prompt and a 10-token
// greedy continuation through the KV cache; int4 (MatMulNBits) matches Lathe run on the same int4-dequantized weights.
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../../main/engine/engine';
import { mergedSource } from '../../../main/export/merge-source';
import { SIDE_FILES } from '../../../main/export/merged-folder';
import { dequantizeInt4, exportOnnx, quantizeInt4 } from '../../../main/export/onnx-model';
import { readPeftAdapter } from '../../../main/export/peft-adapter';
import { writeSafetensors } from '../../../main/export/safetensors-writer';
import { writeTinyAdapter } from '../../helpers/tiny-adapter';
import { tempDir } from '../../helpers/temp-dir';
import { tinyModel, type TinySpec } from '../../helpers/tiny-model';
import { readModelDir } from '../../../main/models/model-dir';
import { existsSync } from 'node:fs';

const tmp = tempDir('lathe-onnx-');
let engine: Engine;
beforeAll(() => {
  engine = openEngine({ threads: 2 });
});
const IDS = [1, 17, 300, 42, 99, 7, 250, 8, 511, 3, 64, 128];

async function lathe(dir: string, adapter: string | null) {
  const m = await engine.loadModel(dir, { maxSeqLen: 32 });
  try {
    if (adapter) await m.loadAdapter(adapter);
    const lp = Array.from(await m.logprobs(IDS, { adapter: !!adapter }));
    const greedy = (await m.generate(IDS.slice(0, 6), { maxNewTokens: 10, adapter: !!adapter })).tokens;
    return { lp, greedy };
  } finally {
    await m.close();
  }
}

class OrtDecoder {
  private constructor(private s: ort.InferenceSession, private layers: number, private kv: number, private hd: number) {}
  static async load(dir: string, layers: number, kv: number, hd: number) {
    return new OrtDecoder(await ort.InferenceSession.create(join(dir, 'model.onnx'), { intraOpNumThreads: 2 }), layers, kv, hd);
  }
  private past: ort.Tensor[] = [];
  reset() {
    this.past = [];
    for (let l = 0; l < this.layers * 2; l++) this.past.push(new ort.Tensor('float32', new Float32Array(0), [1, this.kv, 0, this.hd]));
  }
  /** Feeds `ids` after what is cached; returns logits [ids.length, V]. */
  async step(ids: number[], pos0: number): Promise<{ logits: Float32Array; V: number }> {
    const total = pos0 + ids.length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(pos0 + i))), [1, ids.length]),
    };
    for (let l = 0; l < this.layers; l++) {
      feeds[`past_key_values.${l}.key`] = this.past[2 * l];
      feeds[`past_key_values.${l}.value`] = this.past[2 * l + 1];
    }
    const r = await this.s.run(feeds);
    for (let l = 0; l < this.layers; l++) {
      this.past[2 * l] = r[`present.${l}.key`];
      this.past[2 * l + 1] = r[`present.${l}.value`];
    }
    const logits = r.logits.data as Float32Array;
    return { logits, V: r.logits.dims[2] };
  }
}

function logSoftmaxAt(logits: Float32Array, V: number, row: number, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[row * V + i]);
  let sum = 0;
  for (let i = 0; i < V; i++) sum += Math.exp(logits[row * V + i] - max);
  return logits[row * V + target] - max - Math.log(sum);
}
const argmax = (logits: Float32Array, V: number, row: number) => {
  let best = 0;
  for (let i = 1; i < V; i++) if (logits[row * V + i] > logits[row * V + best]) best = i;
  return best;
};

async function ortRun(dir: string, base: string) {
  const m = await readModelDir(base);
  const d = await OrtDecoder.load(dir, m.layers, m.kvHeads, m.headDim);
  d.reset();
  const { logits, V } = await d.step(IDS, 0);
  const lp = IDS.slice(1).map((t, i) => logSoftmaxAt(logits, V, i, t));
  // Greedy through the cache: the prompt once, then one token per step.
  d.reset();
  const prompt = IDS.slice(0, 6);
  let r = await d.step(prompt, 0);
  const greedy = [argmax(r.logits, r.V, prompt.length - 1)];
  for (let i = 1; i < 10; i++) {
    r = await d.step([greedy[i - 1]], prompt.length + i - 1);
    greedy.push(argmax(r.logits, r.V, 0));
  }
  return { lp, greedy };
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

const CASES: { label: string; spec: TinySpec }[] = [
  { label: 'llama (GQA 4/2, llama3 RoPE scaling)', spec: { arch: 'llama', tokenizer: 'synthetic', ropeScaling: 'llama3' } },
  { label: 'qwen2 (q/k/v bias, tied)', spec: { arch: 'qwen2', tokenizer: 'synthetic', tied: true } },
  { label: 'qwen3 (q/k norm, head_dim 24)', spec: { arch: 'qwen3', tokenizer: 'synthetic', headDim: 24 } },
];

describe.each(CASES)('onnx: $label', ({ spec }) => {
  it('f32: prompt log-probs within 1e-4 of Lathe base+adapter; KV-cache greedy continuation matches for 10 tokens', async () => {
    const base = await tinyModel(spec);
    const adapterDir = await writeTinyAdapter(base, join(tmp, `${spec.arch}-a`), { std: 0.2 });
    const src = await mergedSource(base, await readPeftAdapter(adapterDir));
    const out = join(tmp, `${spec.arch}-f32`);
    const files = await exportOnnx(base, src, out, { weights: 'f32' });
    expect(files.every((f) => existsSync(f))).toBe(true);
    const want = await lathe(base, adapterDir);
    const got = await ortRun(out, base);
    console.log(`onnx f32 ${spec.arch}: max |Δ logprob| ${maxDiff(got.lp, want.lp).toExponential(2)}`);
    expect(maxDiff(got.lp, want.lp)).toBeLessThan(1e-4);
    expect(got.greedy).toEqual(want.greedy);
  });
});

describe('onnx int4 (MatMulNBits)', () => {
  it('matches Lathe run on the int4-dequantized weights, and stays near the f32 model', async () => {
    const spec: TinySpec = { arch: 'llama', tokenizer: 'synthetic' };
    const base = await tinyModel(spec);
    const adapterDir = await writeTinyAdapter(base, join(tmp, 'int4-a'), { std: 0.2 });
    const src = await mergedSource(base, await readPeftAdapter(adapterDir));
    const out = join(tmp, 'int4');
    await exportOnnx(base, src, out, { weights: 'int4' });
    // The same int4 values as a safetensors folder for Lathe: the reference for the exact MatMulNBits layout.
    const ref = join(tmp, 'int4-ref');
    await mkdir(ref, { recursive: true });
    const names = [...src.tensors.keys()];
    await writeSafetensors(join(ref, 'model.safetensors'), names.map((name) => ({
      name, dtype: 'F32' as const, shape: src.tensors.get(name)!.shape,
      data: async () => {
        let w = await src.read(name);
        const sh = src.tensors.get(name)!.shape;
        if (/_proj\.weight$/.test(name)) {
          const { q, scales } = quantizeInt4(w, sh[0], sh[1]);
          w = dequantizeInt4(q, scales, sh[0], sh[1]);
        }
        return new Uint8Array(w.buffer);
      },
    })));
    for (const f of ['config.json', ...SIDE_FILES]) if (existsSync(join(base, f))) await copyFile(join(base, f), join(ref, f));
    const want = await lathe(ref, null);
    const got = await ortRun(out, base);
    const f32 = await lathe(base, adapterDir);
    const d = got.lp.map((v, i) => Math.abs(v - f32.lp[i]));
    console.log(`onnx int4: vs int4 reference max ${maxDiff(got.lp, want.lp).toExponential(2)}; vs f32 base+adapter mean ${(d.reduce((a, b) => a + b, 0) / d.length).toFixed(4)} max ${Math.max(...d).toFixed(4)}`);
    expect(maxDiff(got.lp, want.lp)).toBeLessThan(1e-4);
    expect(got.greedy).toEqual(want.greedy);
    // Stated bound for int4 against the f32 merged model (tiny random weights are the worst case for 4 bits).
    expect(d.reduce((a, b) => a + b, 0) / d.length).toBeLessThan(0.4);
  });
});
