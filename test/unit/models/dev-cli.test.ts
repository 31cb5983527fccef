// `lathe dev make-tiny` and `lathe dev gguf` through commander, as the CLI runs them.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { register } from '../../../main/cli/commands/dev';
import { readGguf, ggufValue } from '../../../main/export/gguf-reader';
import { lenmlTokenizerDir } from '../../helpers/tiny-model';

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lathe-devcli-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function run(args: string[]): Promise<string> {
  const program = new Command('lathe').exitOverride();
  register(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(['node', 'lathe', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('lathe dev', () => {
  it('make-tiny writes the requested config, then gguf converts it', async () => {
    const out = join(tmp, 'm');
    const printed = await run(['dev', 'make-tiny', '--arch', 'qwen2', '--tokenizer', lenmlTokenizerDir('llama2'), '--out', out,
      '--hidden', '32', '--layers', '1', '--heads', '2', '--kv-heads', '1', '--intermediate', '48', '--tied', '--dtype', 'bf16', '--seed', '3', '--json']);
    const res = JSON.parse(printed);
    expect(res.config).toMatchObject({ model_type: 'qwen2', hidden_size: 32, num_hidden_layers: 1, intermediate_size: 48, tie_word_embeddings: true, torch_dtype: 'bfloat16' });
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).num_key_value_heads).toBe(1);
    const g = join(tmp, 'm.gguf');
    const r = JSON.parse(await run(['dev', 'gguf', '--model', out, '--out', g, '--type', 'f32', '--json']));
    expect(r).toMatchObject({ arch: 'qwen2', path: g });
    expect(ggufValue(await readGguf(g), 'qwen2.embedding_length')).toBe(32);
  });

  it('rejects bad option values with the option name', async () => {
    await expect(run(['dev', 'make-tiny', '--arch', 'gpt2', '--tokenizer', 'x', '--out', 'y'])).rejects.toThrow(/--arch must be one of llama, mistral, qwen2, qwen3/);
    await expect(run(['dev', 'make-tiny', '--arch', 'llama', '--tokenizer', 'x', '--out', 'y', '--hidden', '0'])).rejects.toThrow(/--hidden must be a positive integer/);
  });
});
