// `merged` export: a full Hugging Face folder (safetensors shards + index, config, tokenizer and generation config)
// in f32/f16/bf16, written beside the target and renamed into place.
import { existsSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeFloats } from '../models/dtype';
import { writeFileAtomic } from '../fs/atomic-file';
import { mergedSource, type BaseWeights } from './merge-source';
import type { PeftAdapter } from './peft-adapter';
import { writeSafetensors, type TensorToWrite } from './safetensors-writer';
import { writeFolderAtomic } from './output-target';

export type MergedDtype = 'f32' | 'f16' | 'bf16';
const ST: Record<MergedDtype, 'F32' | 'F16' | 'BF16'> = { f32: 'F32', f16: 'F16', bf16: 'BF16' };
const TORCH: Record<MergedDtype, string> = { f32: 'float32', f16: 'float16', bf16: 'bfloat16' };

/** Tokenizer and generation files copied as they are when present. */
export const SIDE_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'tokenizer.model', 'chat_template.jinja', 'generation_config.json'];

export interface MergedExportOptions {
  dtype?: MergedDtype;
  /** Largest shard in bytes (HF default 5 GB); a model above it is split with an index file. */
  maxShardBytes?: number;
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
  baseWeights?: BaseWeights;
}

export async function exportMergedFolder(baseDir: string, adapter: PeftAdapter | null, out: string, opts: MergedExportOptions = {}): Promise<string[]> {
  const dtype = opts.dtype ?? 'f16';
  const src = await mergedSource(baseDir, adapter, opts.baseWeights);
  const bytesPer = dtype === 'f32' ? 4 : 2;
  const maxShard = opts.maxShardBytes ?? 5e9;
  const names = [...src.tensors.keys()].sort();
  const sizeOf = (n: string) => src.tensors.get(n)!.shape.reduce((a, b) => a * b, 1) * bytesPer;
  // Greedy shards in name order, as transformers' save_pretrained does.
  const shards: string[][] = [[]];
  let cur = 0;
  for (const n of names) {
    const s = sizeOf(n);
    if (cur > 0 && cur + s > maxShard) {
      shards.push([]);
      cur = 0;
    }
    shards[shards.length - 1].push(n);
    cur += s;
  }
  const total = names.length;
  return writeFolderAtomic(out, opts.force ?? false, async (tmp) => {
    const files: string[] = [];
    const weightMap: Record<string, string> = {};
    let done = 0;
    for (let i = 0; i < shards.length; i++) {
      const file = shards.length === 1 ? 'model.safetensors' : `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
      const tensors: TensorToWrite[] = shards[i].map((name) => ({
        name,
        dtype: ST[dtype],
        shape: src.tensors.get(name)!.shape,
        data: async () => {
          const bytes = encodeFloats(await src.read(name), ST[dtype]);
          opts.onProgress?.(++done, total);
          return bytes;
        },
      }));
      await writeSafetensors(join(tmp, file), tensors);
      for (const n of shards[i]) weightMap[n] = file;
      files.push(file);
    }
    if (shards.length > 1) {
      const totalSize = names.reduce((a, n) => a + sizeOf(n), 0);
      const index = { metadata: { total_size: totalSize }, weight_map: weightMap };
      await writeFileAtomic(join(tmp, 'model.safetensors.index.json'), async (w) => w.write(Buffer.from(JSON.stringify(index, null, 2) + '\n')));
      files.push('model.safetensors.index.json');
    }
    const cfg = JSON.parse(await readFile(join(baseDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    cfg.torch_dtype = TORCH[dtype];
    await writeFileAtomic(join(tmp, 'config.json'), async (w) => w.write(Buffer.from(JSON.stringify(cfg, null, 2) + '\n')));
    files.push('config.json');
    for (const f of SIDE_FILES) {
      if (existsSync(join(baseDir, f))) {
        await copyFile(join(baseDir, f), join(tmp, f));
        files.push(f);
      }
    }
    if (!files.includes('generation_config.json')) {
      const gen = { _from_model_config: true, bos_token_id: cfg.bos_token_id, eos_token_id: cfg.eos_token_id };
      await writeFileAtomic(join(tmp, 'generation_config.json'), async (w) => w.write(Buffer.from(JSON.stringify(gen, null, 2) + '\n')));
      files.push('generation_config.json');
    }
    return files.map((f) => join(out, f));
  });
}
