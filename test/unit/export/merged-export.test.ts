// `merged` and `peft` exports: Lathe's own log-probs of the merged folder equal base+adapter (f32, every arch);
// the PEFT writer round-trips through the engine's PEFT reader with PEFT's names and shapes.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../../main/engine/engine';
import { exportMergedFolder } from '../../../main/export/merged-folder';
import { exportGguf } from '../../../main/export/gguf-model';
import { mergedSource } from '../../../main/export/merge-source';
import { writeFileTarget } from '../../../main/export/output-target';
import { readPeftAdapter, writePeftAdapter } from '../../../main/export/peft-adapter';
import { readCheckpointIndex, readSafetensorsHeader } from '../../../main/models/safetensors';
import { writeTinyAdapter } from '../../helpers/tiny-adapter';
import { tempDir } from '../../helpers/temp-dir';
import { tinyModel, type TinySpec } from '../../helpers/tiny-model';

const tmp = tempDir('lathe-merged-');
let engine: Engine;
beforeAll(() => {
  engine = openEngine({ threads: 2 });
});

const IDS = [1, 17, 300, 42, 99, 7, 250, 8, 511, 3, 64, 128];
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

async function logprobs(dir: string, adapter?: string): Promise<Float32Array> {
  const m = await engine.loadModel(dir, { maxSeqLen: 16 });
  try {
    if (adapter) await m.loadAdapter(adapter);
    return await m.logprobs(IDS, { adapter: !!adapter });
  } finally {
    await m.close();
  }
}

const CASES: { label: string; spec: TinySpec; rslora?: boolean }[] = [
  { label: 'llama (GQA 4/2, untied)', spec: { arch: 'llama', tokenizer: 'synthetic' } },
  { label: 'mistral (tied, rsLoRA)', spec: { arch: 'mistral', tokenizer: 'synthetic', tied: true }, rslora: true },
  { label: 'qwen2 (q/k/v bias)', spec: { arch: 'qwen2', tokenizer: 'synthetic', tied: true } },
  { label: 'qwen3 (q/k norm, head_dim 24)', spec: { arch: 'qwen3', tokenizer: 'synthetic', headDim: 24 } },
];

describe.each(CASES)('merged f32: $label', ({ spec, rslora }) => {
  it('log-probs of the merged folder equal base+adapter within 1e-4, and the adapter matters', async () => {
    const base = await tinyModel(spec);
    const name = spec.arch + (rslora ? '-rs' : '');
    const adapter = await writeTinyAdapter(base, join(tmp, `${name}-adapter`), { r: 4, rslora });
    const out = join(tmp, `${name}-merged`);
    const files = await exportMergedFolder(base, await readPeftAdapter(adapter), out, { dtype: 'f32' });
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(expect.arrayContaining(['model.safetensors', 'config.json', 'tokenizer.json', 'generation_config.json']));
    const want = await logprobs(base, adapter);
    const got = await logprobs(out);
    const plain = await logprobs(base);
    expect(maxDiff(got, want)).toBeLessThan(1e-4);
    expect(maxDiff(plain, want)).toBeGreaterThan(0.05);
  });
});

describe('merged folder layout', () => {
  it('writes f16 shards with an index, keeps every tensor, and never overwrites without force', async () => {
    const base = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const adapter = await readPeftAdapter(await writeTinyAdapter(base, join(tmp, 'shard-adapter')));
    const out = join(tmp, 'sharded');
    await exportMergedFolder(base, adapter, out, { dtype: 'f16', maxShardBytes: 40_000 });
    const index = JSON.parse(await readFile(join(out, 'model.safetensors.index.json'), 'utf8'));
    const shards = new Set(Object.values(index.weight_map));
    expect(shards.size).toBeGreaterThan(1);
    const baseNames = [...(await readCheckpointIndex(base)).keys()].sort();
    const outIndex = await readCheckpointIndex(out);
    expect([...outIndex.keys()].sort()).toEqual(baseNames);
    expect([...outIndex.values()].every((t) => t.dtype === 'F16')).toBe(true);
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).torch_dtype).toBe('float16');
    await expect(exportMergedFolder(base, adapter, out, { dtype: 'f16' })).rejects.toThrow(/already exists.*|--force/);
    await exportMergedFolder(base, adapter, out, { dtype: 'bf16', force: true });
    expect([...(await readCheckpointIndex(out)).values()][0].dtype).toBe('BF16');
  });

  it('a full disk mid-export leaves neither the target nor a temp file (folder and GGUF)', async () => {
    const base = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const adapter = await readPeftAdapter(await writeTinyAdapter(base, join(tmp, 'enospc-adapter')));
    let n = 0;
    const full = async () => {
      if (++n === 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return null;
    };
    const dir = join(tmp, 'enospc');
    await mkdir(dir);
    await expect(exportMergedFolder(base, adapter, join(dir, 'merged'), { dtype: 'f16', baseWeights: full })).rejects.toMatchObject({ code: 'disk_full', message: expect.stringMatching(/disk is full/) });
    n = 0;
    const src = await mergedSource(base, adapter, full);
    await expect(writeFileTarget(join(dir, 'm.gguf'), false, () => exportGguf(base, join(dir, 'm.gguf'), { read: (i) => src.read(i.name) }))).rejects.toMatchObject({ code: 'disk_full' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects an adapter made for another base, naming the module', async () => {
    const base = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const other = await tinyModel({ arch: 'qwen3', tokenizer: 'synthetic', headDim: 24 });
    const adapter = await readPeftAdapter(await writeTinyAdapter(other, join(tmp, 'other-adapter')));
    await expect(exportMergedFolder(base, adapter, join(tmp, 'never'))).rejects.toThrow(/module model\.layers\.0\.self_attn\.k_proj is \[48, 64\] but the base weight is \[32,64\]/);
  });
});

describe('peft', () => {
  it('round-trips through the engine PEFT reader; names and shapes follow PEFT for every target module', async () => {
    const base = await tinyModel({ arch: 'qwen2', tokenizer: 'synthetic', tied: true });
    const src = await writeTinyAdapter(base, join(tmp, 'peft-src'), { r: 8, alpha: 16 });
    // Engine save → TS read → TS write → engine load gives identical log-probs.
    const m = await engine.loadModel(base, { maxSeqLen: 16 });
    await m.loadAdapter(src);
    const saved = join(tmp, 'peft-engine');
    await m.saveAdapter(saved, { baseModel: 'tiny-qwen2' });
    const want = await m.logprobs(IDS);
    await m.close();
    const a = await readPeftAdapter(saved);
    const out = join(tmp, 'peft-out');
    await writePeftAdapter(out, { baseModel: 'tiny-qwen2', alpha: a.config.loraAlpha, useRslora: false, modules: a.modules });
    expect(maxDiff(await logprobs(base, out), want)).toBe(0);
    const h = await readSafetensorsHeader(join(out, 'adapter_model.safetensors'));
    const shapes = Object.fromEntries([...h.tensors].map(([k, v]) => [k, v.shape]));
    expect(shapes['base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight']).toEqual([8, 64]);
    expect(shapes['base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight']).toEqual([32, 8]);
    expect(shapes['base_model.model.model.layers.0.mlp.down_proj.lora_A.weight']).toEqual([8, 128]);
    expect(h.tensors.size).toBe(2 * 7 * 2);
    const cfg = JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8'));
    expect(cfg).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 8, lora_alpha: 16, use_rslora: false, base_model_name_or_path: 'tiny-qwen2' });
    expect(cfg.target_modules).toEqual(['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj']);
    expect(Object.keys(cfg)).toEqual([...Object.keys(cfg)].sort());
  });
});
afterAll(() => undefined);
