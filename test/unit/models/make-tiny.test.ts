// Tiny random checkpoints: exact HF layout, per-arch tensors, determinism, sharding, dtypes.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyModel } from '../../../main/models/make-tiny';
import { readCheckpointIndex, readSafetensorsHeader, readTensorF32 } from '../../../main/models/safetensors';
import { lenmlTokenizerDir } from '../../helpers/tiny-model';

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lathe-tiny-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const sha = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');
const readJson = async (p: string) => JSON.parse(await readFile(p, 'utf8')) as Record<string, unknown>;

describe('makeTinyModel', () => {
  it('llama with llama3 rope scaling: config, tensors, tokenizer files', async () => {
    const out = join(tmp, 'llama');
    const info = await makeTinyModel({ arch: 'llama', tokenizerDir: lenmlTokenizerDir('llama3'), out, ropeScaling: 'llama3' });
    const cfg = await readJson(join(out, 'config.json'));
    expect(cfg).toMatchObject({
      architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: 128256, hidden_size: 64, num_hidden_layers: 2,
      num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16, intermediate_size: 128, tie_word_embeddings: false,
      torch_dtype: 'float32', bos_token_id: 128000, eos_token_id: 128001, rope_theta: 500000,
      rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
    });
    const files = await readdir(out);
    expect(files.sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    const h = await readSafetensorsHeader(join(out, 'model.safetensors'));
    expect(h.metadata).toEqual({ format: 'pt' });
    expect([...h.tensors.keys()].sort()).toEqual([...info.tensorNames].sort());
    expect(h.tensors.get('model.embed_tokens.weight')!.shape).toEqual([128256, 64]);
    expect(h.tensors.get('lm_head.weight')!.shape).toEqual([128256, 64]);
    expect(h.tensors.get('model.layers.1.self_attn.k_proj.weight')!.shape).toEqual([32, 64]);
    expect(h.tensors.get('model.layers.0.mlp.down_proj.weight')!.shape).toEqual([64, 128]);
    // Numerically sane: weights ~N(0, 0.1), norms ~1.
    const q = await readTensorF32(h.tensors.get('model.layers.0.self_attn.q_proj.weight')!);
    const mean = q.reduce((a, b) => a + b, 0) / q.length;
    const sd = Math.sqrt(q.reduce((a, b) => a + (b - mean) ** 2, 0) / q.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(sd).toBeGreaterThan(0.09);
    expect(sd).toBeLessThan(0.11);
    const norm = await readTensorF32(h.tensors.get('model.norm.weight')!);
    expect(norm.every((v) => v > 0.5 && v < 1.5)).toBe(true);
    expect(info.parameterCount).toBe(2 * 128256 * 64 + 64 + 2 * (2 * 64 + 64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 64 * 128));
  });

  it('qwen2 has q/k/v biases, qwen3 q/k norms with head_dim ≠ hidden/heads; tied drops lm_head', async () => {
    const q2 = join(tmp, 'q2');
    await makeTinyModel({ arch: 'qwen2', tokenizerDir: lenmlTokenizerDir('qwen3'), out: q2, tied: true });
    const t2 = (await readSafetensorsHeader(join(q2, 'model.safetensors'))).tensors;
    expect(t2.get('model.layers.0.self_attn.q_proj.bias')!.shape).toEqual([64]);
    expect(t2.get('model.layers.0.self_attn.k_proj.bias')!.shape).toEqual([32]);
    expect(t2.has('model.layers.0.self_attn.o_proj.bias')).toBe(false);
    expect(t2.has('lm_head.weight')).toBe(false);
    expect((await readJson(join(q2, 'config.json'))).architectures).toEqual(['Qwen2ForCausalLM']);

    const q3 = join(tmp, 'q3');
    await makeTinyModel({ arch: 'qwen3', tokenizerDir: lenmlTokenizerDir('qwen3'), out: q3, headDim: 24 });
    const c3 = await readJson(join(q3, 'config.json'));
    expect(c3).toMatchObject({ model_type: 'qwen3', head_dim: 24, hidden_size: 64, num_attention_heads: 4, vocab_size: 151669 });
    const t3 = (await readSafetensorsHeader(join(q3, 'model.safetensors'))).tensors;
    expect(t3.get('model.layers.1.self_attn.q_norm.weight')!.shape).toEqual([24]);
    expect(t3.get('model.layers.1.self_attn.q_proj.weight')!.shape).toEqual([96, 64]);
    expect(t3.get('model.layers.1.self_attn.o_proj.weight')!.shape).toEqual([64, 96]);
    expect(t3.has('model.layers.0.self_attn.q_proj.bias')).toBe(false);
    const gen = await readJson(join(q3, 'generation_config.json'));
    expect(gen.eos_token_id).toEqual([151645, 151643]);
  });

  it('is deterministic in the seed and shards exactly like save_pretrained', async () => {
    const base = { arch: 'mistral' as const, tokenizerDir: lenmlTokenizerDir('llama2'), hidden: 32, heads: 2, kvHeads: 1 };
    await makeTinyModel({ ...base, out: join(tmp, 'a'), seed: 7 });
    await makeTinyModel({ ...base, out: join(tmp, 'b'), seed: 7 });
    await makeTinyModel({ ...base, out: join(tmp, 'c'), seed: 8 });
    expect(await sha(join(tmp, 'a', 'model.safetensors'))).toBe(await sha(join(tmp, 'b', 'model.safetensors')));
    expect(await sha(join(tmp, 'a', 'model.safetensors'))).not.toBe(await sha(join(tmp, 'c', 'model.safetensors')));

    await makeTinyModel({ ...base, out: join(tmp, 's'), seed: 7, shards: 3 });
    const files = (await readdir(join(tmp, 's'))).filter((f) => f.endsWith('.safetensors')).sort();
    expect(files).toEqual(['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors']);
    const index = await readJson(join(tmp, 's', 'model.safetensors.index.json'));
    const all = await readCheckpointIndex(join(tmp, 's'));
    const one = await readCheckpointIndex(join(tmp, 'a'));
    expect([...all.keys()].sort()).toEqual([...one.keys()].sort());
    const total = [...all.values()].reduce((s, t) => s + (t.end - t.begin), 0);
    expect((index.metadata as { total_size: number }).total_size).toBe(total);
    for (const [name, t] of all) {
      expect((index.weight_map as Record<string, string>)[name]).toBe(t.file.split('/').pop());
      // Same seed → same values whatever the file layout.
      expect(await readTensorF32(t)).toEqual(await readTensorF32(one.get(name)!));
    }
  });

  it('bf16 and f16 store rounded copies of the same values', async () => {
    const base = { arch: 'llama' as const, tokenizerDir: lenmlTokenizerDir('llama2'), hidden: 32, heads: 2, kvHeads: 2, layers: 1 };
    await makeTinyModel({ ...base, out: join(tmp, 'f32') });
    await makeTinyModel({ ...base, out: join(tmp, 'bf16'), dtype: 'bf16' });
    await makeTinyModel({ ...base, out: join(tmp, 'f16'), dtype: 'f16' });
    const name = 'model.layers.0.mlp.up_proj.weight';
    const get = async (d: string) => {
      const h = await readSafetensorsHeader(join(tmp, d, 'model.safetensors'));
      return { t: h.tensors.get(name)!, v: await readTensorF32(h.tensors.get(name)!) };
    };
    const [a, b, c] = [await get('f32'), await get('bf16'), await get('f16')];
    expect(b.t.dtype).toBe('BF16');
    expect(c.t.dtype).toBe('F16');
    expect((await readJson(join(tmp, 'bf16', 'config.json'))).torch_dtype).toBe('bfloat16');
    for (let i = 0; i < a.v.length; i++) {
      expect(Math.abs(b.v[i] - a.v[i])).toBeLessThanOrEqual(Math.abs(a.v[i]) * 2 ** -8);
      expect(Math.abs(c.v[i] - a.v[i])).toBeLessThanOrEqual(Math.abs(a.v[i]) * 2 ** -11 + 2 ** -25);
    }
  });

  it('rejects impossible shapes with the option name', async () => {
    await expect(makeTinyModel({ arch: 'llama', tokenizerDir: lenmlTokenizerDir('llama2'), out: join(tmp, 'x'), heads: 4, kvHeads: 3 }))
      .rejects.toThrow(/--heads 4 must be a multiple of --kv-heads 3/);
  });
});
