// readModelDir: typed summary of tiny checkpoints and errors that name the field.
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelDir, summarizeConfig } from '../../../main/models/model-dir';
import { tinyModel } from '../../helpers/tiny-model';

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lathe-md-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const small = { hidden: 32, heads: 2, kvHeads: 1, layers: 1, intermediate: 64 } as const;

describe('readModelDir', () => {
  it('summarises a sharded bf16 qwen3 with explicit head_dim', async () => {
    const dir = await tinyModel({ arch: 'qwen3', tokenizer: 'llama2', headDim: 24, dtype: 'bf16', shards: 2, ...small });
    const s = await readModelDir(dir);
    expect(s).toMatchObject({
      architecture: 'Qwen3ForCausalLM', modelType: 'qwen3', hidden: 32, intermediate: 64, layers: 1, heads: 2, kvHeads: 1,
      headDim: 24, vocab: 32000, tied: false, dtype: 'BF16', torchDtype: 'bfloat16', hasTokenizer: true, hasChatTemplate: false,
      rope: { theta: 10000, scaling: null }, weightFiles: ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'],
    });
    const per = 32 + 48 * 32 + 2 * 24 * 32 + 24 * 2 + 32 * 48 + 32 + 3 * 32 * 64;
    expect(s.parameterCount).toBe(2 * 32000 * 32 + 32 + per);
  });

  it('reads llama3 rope scaling, tied embeddings and a chat template', async () => {
    const dir = await tinyModel({ arch: 'llama', ropeScaling: 'llama3', tied: true, ...small });
    const s = await readModelDir(dir);
    expect(s.rope.scaling).toMatchObject({ rope_type: 'llama3', factor: 8 });
    expect(s.tied).toBe(true);
    expect(s.hasChatTemplate).toBe(true);
    expect(s.weightFiles).toEqual(['model.safetensors']);
  });

  it('errors name the field and the file', async () => {
    const p = '/m/config.json';
    const base = { architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4, vocab_size: 10 };
    expect(summarizeConfig(base, p)).toMatchObject({ kvHeads: 4, headDim: 16, rmsNormEps: 1e-6 });
    expect(() => summarizeConfig({ ...base, model_type: 'gpt2' }, p)).toThrow(/\/m\/config.json: field `model_type` is "gpt2"/);
    expect(() => summarizeConfig({ ...base, hidden_size: undefined }, p)).toThrow(/field `hidden_size` is missing/);
    expect(() => summarizeConfig({ ...base, num_key_value_heads: 3 }, p)).toThrow(/`num_key_value_heads` \(3\) must divide/);
    expect(() => summarizeConfig({ ...base, vocab_size: '10' }, p)).toThrow(/`vocab_size` must be a positive integer/);
    expect(() => summarizeConfig({ ...base, rope_scaling: { rope_type: 'llama3', factor: 8 } }, p)).toThrow(/rope_scaling.low_freq_factor/);
    // transformers v5 layout
    expect(summarizeConfig({ ...base, rope_parameters: { rope_type: 'default', rope_theta: 5e5 } }, p).rope).toEqual({ theta: 5e5, scaling: null });
    try {
      summarizeConfig({ ...base, model_type: 'gpt2' }, p);
    } catch (e) {
      expect((e as { hint: string }).hint).toContain('llama, mistral, qwen2, qwen3');
    }
  });

  it('refuses pickle-only folders and mismatched weights', async () => {
    const dir = await tinyModel({ arch: 'mistral', tokenizer: 'llama2', ...small });
    const copy = join(tmp, 'pickle');
    await cp(dir, copy, { recursive: true });
    await unlink(join(copy, 'model.safetensors'));
    await writeFile(join(copy, 'pytorch_model.bin'), 'not really');
    await expect(readModelDir(copy)).rejects.toMatchObject({ code: 'model_weights_missing', message: expect.stringContaining('pytorch_model.bin') });
    const copy2 = join(tmp, 'mismatch');
    await cp(dir, copy2, { recursive: true });
    const cfg = JSON.parse(await readFile(join(copy2, 'config.json'), 'utf8'));
    await writeFile(join(copy2, 'config.json'), JSON.stringify({ ...cfg, hidden_size: 48 }));
    await expect(readModelDir(copy2)).rejects.toThrow(/embed_tokens.weight has shape \[32000,32\] but config.json says \[32000, 48\]/);
    await expect(readModelDir(join(tmp, 'none'))).rejects.toMatchObject({ code: 'model_config_missing' });
  });
});
