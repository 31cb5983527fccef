// HF folder → GGUF: metadata keys and types, tokenizer keys, q/k permutation, rope_freqs, tied output, F32 norms.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportGguf, llama3RopeFreqDivisors, permuteQK } from '../../../main/export/gguf-model';
import { detectPre } from '../../../main/export/gguf-tokenizer';
import { readGguf, ggufTensorF32, ggufValue, type GgufFile } from '../../../main/export/gguf-reader';
import { readCheckpointIndex, readTensorF32 } from '../../../main/models/safetensors';
import { lenmlTokenizerDir, tinyModel } from '../../helpers/tiny-model';

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lathe-ggufx-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const hfTensor = async (dir: string, name: string) => readTensorF32((await readCheckpointIndex(dir)).get(name)!);
const typeOf = (f: GgufFile, name: string) => f.tensors.find((t) => t.name === name)?.type;

describe('llama (llama3 tokenizer, llama3 RoPE scaling, tied)', () => {
  let dir = '';
  let f: GgufFile;
  beforeAll(async () => {
    dir = await tinyModel({ arch: 'llama', ropeScaling: 'llama3', tied: true, hidden: 32, heads: 2, kvHeads: 1, layers: 1, intermediate: 64 });
    await exportGguf(dir, join(tmp, 'l.gguf'), { outType: 'f16' });
    f = await readGguf(join(tmp, 'l.gguf'));
  });

  it('writes the llama keys with the types llama.cpp enforces', () => {
    expect([...f.kv.keys()][0]).toBe('general.architecture');
    const want: [string, number, unknown][] = [
      ['general.architecture', 8, 'llama'], ['general.file_type', 4, 1],
      ['llama.context_length', 4, 2048], ['llama.embedding_length', 4, 32], ['llama.block_count', 4, 1],
      ['llama.feed_forward_length', 4, 64], ['llama.attention.head_count', 4, 2], ['llama.attention.head_count_kv', 4, 1],
      ['llama.attention.layer_norm_rms_epsilon', 6, Math.fround(1e-5)], ['llama.rope.freq_base', 6, 500000],
      ['llama.rope.dimension_count', 4, 16], ['llama.vocab_size', 4, 128256],
      ['tokenizer.ggml.model', 8, 'gpt2'], ['tokenizer.ggml.pre', 8, 'llama-bpe'],
      ['tokenizer.ggml.bos_token_id', 4, 128000], ['tokenizer.ggml.eos_token_id', 4, 128001],
      ['tokenizer.ggml.add_bos_token', 7, false],
    ];
    for (const [k, type, v] of want) expect([k, f.kv.get(k)?.type, f.kv.get(k)?.value]).toEqual([k, type, v]);
    expect(f.kv.has('llama.attention.key_length')).toBe(false);
    expect(f.kv.has('general.quantization_version')).toBe(false);
    const tokens = ggufValue(f, 'tokenizer.ggml.tokens') as string[];
    const types = ggufValue(f, 'tokenizer.ggml.token_type') as number[];
    expect(tokens).toHaveLength(128256);
    expect(tokens[9906]).toBe('Hello');
    expect(tokens[128009]).toBe('<|eot_id|>');
    expect([types[9906], types[128009]]).toEqual([1, 3]);
    expect((ggufValue(f, 'tokenizer.ggml.merges') as string[]).slice(0, 2)).toEqual(['Ġ Ġ', 'Ġ ĠĠĠ']);
    expect(ggufValue(f, 'tokenizer.chat_template')).toContain('<|start_header_id|>');
  });

  it('permutes q and k rows for llama.cpp NORM RoPE, leaves v alone, omits the tied output', async () => {
    const q = await hfTensor(dir, 'model.layers.0.self_attn.q_proj.weight'); // [32, 32]
    const k = await hfTensor(dir, 'model.layers.0.self_attn.k_proj.weight'); // [16, 32]
    const gq = ggufTensorF32(f, 'blk.0.attn_q.weight');
    const gk = ggufTensorF32(f, 'blk.0.attn_k.weight');
    const f16 = (x: number) => Math.abs(x) * 2 ** -10 + 1e-7;
    // new row (h·hd + 2i + j) = old row (h·hd + j·hd/2 + i)
    for (const [hf, g, nHead] of [[q, gq, 2], [k, gk, 1]] as const) {
      const hd = 16;
      for (let h = 0; h < nHead; h++)
        for (let i = 0; i < hd / 2; i++)
          for (let j = 0; j < 2; j++)
            for (let c = 0; c < 32; c++) {
              const want = hf[(h * hd + j * (hd / 2) + i) * 32 + c];
              expect(Math.abs(g[(h * hd + 2 * i + j) * 32 + c] - want)).toBeLessThanOrEqual(f16(want));
            }
    }
    const v = await hfTensor(dir, 'model.layers.0.self_attn.v_proj.weight');
    const gv = ggufTensorF32(f, 'blk.0.attn_v.weight');
    v.forEach((x, i) => expect(Math.abs(gv[i] - x)).toBeLessThanOrEqual(f16(x)));
    expect(f.tensors.some((t) => t.name === 'output.weight')).toBe(false);
    expect(f.tensors.find((t) => t.name === 'token_embd.weight')!.ne).toEqual([32, 128256]);
    expect(f.tensors.find((t) => t.name === 'blk.0.ffn_down.weight')!.ne).toEqual([64, 32]);
    expect([typeOf(f, 'blk.0.attn_norm.weight'), typeOf(f, 'output_norm.weight'), typeOf(f, 'blk.0.ffn_up.weight')]).toEqual(['F32', 'F32', 'F16']);
  });

  it('stores llama3 RoPE scaling as rope_freqs divisors (1, factor, and the smooth band)', () => {
    const freqs = ggufTensorF32(f, 'rope_freqs.weight');
    expect(typeOf(f, 'rope_freqs.weight')).toBe('F32');
    expect(Array.from(freqs.slice(0, 4))).toEqual([1, 1, 1, 1]);
    expect(Array.from(freqs.slice(5))).toEqual([8, 8, 8]);
    // i = 4: wavelen = 2π·500000^(1/2) ≈ 4443 lies between 2048 and 8192.
    const wl = 2 * Math.PI * Math.sqrt(500000);
    const s = (8192 / wl - 1) / (4 - 1);
    expect(freqs[4]).toBeCloseTo(1 / ((1 - s) / 8 + s), 5);
    expect(freqs[4]).toBeGreaterThan(1);
    expect(freqs[4]).toBeLessThan(8);
    expect(llama3RopeFreqDivisors(16, 500000, { factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 })).toEqual(freqs);
  });
});

describe('qwen3 (llama2 SentencePiece tokenizer, head_dim 24)', () => {
  it('writes key/value length, q/k norms and unpermuted q; quantized types and quantization_version', async () => {
    const dir = await tinyModel({ arch: 'qwen3', tokenizer: 'llama2', headDim: 24, hidden: 32, heads: 2, kvHeads: 1, layers: 1, intermediate: 64 });
    await exportGguf(dir, join(tmp, 'q.gguf'), { outType: 'q8_0' });
    const f = await readGguf(join(tmp, 'q.gguf'));
    expect(ggufValue(f, 'general.architecture')).toBe('qwen3');
    expect([ggufValue(f, 'qwen3.attention.key_length'), ggufValue(f, 'qwen3.attention.value_length'), ggufValue(f, 'qwen3.rope.dimension_count')]).toEqual([24, 24, 24]);
    expect(ggufValue(f, 'general.quantization_version')).toBe(2);
    expect(ggufValue(f, 'general.file_type')).toBe(7);
    expect(ggufValue(f, 'tokenizer.ggml.model')).toBe('llama');
    expect(ggufValue(f, 'tokenizer.ggml.add_bos_token')).toBe(true);
    expect(ggufValue(f, 'tokenizer.ggml.unknown_token_id')).toBe(0);
    const types = ggufValue(f, 'tokenizer.ggml.token_type') as number[];
    expect([types[0], types[1], types[3], types[500]]).toEqual([2, 3, 6, 1]);
    expect((ggufValue(f, 'tokenizer.ggml.scores') as number[]).length).toBe(32000);
    expect(f.tensors.find((t) => t.name === 'blk.0.attn_q_norm.weight')).toMatchObject({ ne: [24], type: 'F32' });
    expect(typeOf(f, 'blk.0.attn_q.weight')).toBe('Q8_0');
    expect(typeOf(f, 'output.weight')).toBe('Q8_0');
    const q = await hfTensor(dir, 'model.layers.0.self_attn.q_proj.weight');
    const g = ggufTensorF32(f, 'blk.0.attn_q.weight');
    const err = q.reduce((m, x, i) => Math.max(m, Math.abs(g[i] - x)), 0);
    expect(err).toBeLessThan(0.01); // Q8_0 step for N(0, 0.1) blocks, and no permutation
  });

  it('rejects rope scaling it cannot represent, naming config.json', async () => {
    const dir = await tinyModel({ arch: 'qwen3', tokenizer: 'llama2', headDim: 24, hidden: 32, heads: 2, kvHeads: 1, layers: 1, intermediate: 64 });
    const copy = join(tmp, 'yarn');
    await cp(dir, copy, { recursive: true });
    const cfg = JSON.parse(await readFile(join(copy, 'config.json'), 'utf8'));
    cfg.rope_scaling = { rope_type: 'yarn', factor: 4 };
    await writeFile(join(copy, 'config.json'), JSON.stringify(cfg));
    await expect(exportGguf(copy, join(tmp, 'y.gguf'))).rejects.toThrow(/config\.json: rope_scaling type yarn/);
  });
});

describe('helpers', () => {
  it('permuteQK is undone by the inverse reshape of formats.md §2', () => {
    const rows = 12, cols = 3, nHead = 2;
    const x = new Float32Array(rows * cols).map((_, i) => i);
    const p = permuteQK(x, rows, cols, nHead);
    // inverse: reshape(n_head, rows/n_head/2, 2, cols).swapaxes(1,2)
    const inv = new Float32Array(x.length);
    const hd = rows / nHead;
    for (let h = 0; h < nHead; h++)
      for (let i = 0; i < hd / 2; i++)
        for (let j = 0; j < 2; j++)
          for (let c = 0; c < cols; c++) inv[(h * hd + j * (hd / 2) + i) * cols + c] = p[(h * hd + 2 * i + j) * cols + c];
    expect(inv).toEqual(x);
    expect(Array.from(p.slice(0, 6))).toEqual([0, 1, 2, 9, 10, 11]);
  });

  it('detects the llama.cpp pre-tokenizer of each real tokenizer', async () => {
    const pre = async (n: 'llama3' | 'qwen3' | 'llama2') => detectPre(JSON.parse(await readFile(join(lenmlTokenizerDir(n), 'tokenizer.json'), 'utf8')));
    expect(await pre('llama3')).toBe('llama-bpe');
    expect(await pre('qwen3')).toBe('qwen2');
    expect(await pre('llama2')).toBeNull();
  });
});
