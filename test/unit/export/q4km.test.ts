// GGUF Q4_K_M: llama.cpp's tensor-type mixture, tensor bytes identical to llama.cpp's own quantizer on the same
// merged weights, and llama.cpp's log-probs of the file against Lathe's base+adapter within the stated bound.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../../main/engine/engine';
import { GgmlType } from '../../../main/export/ggml-quants';
import { exportGguf, q4kmType, useMoreBits } from '../../../main/export/gguf-model';
import { readGguf, type GgufFile } from '../../../main/export/gguf-reader';
import { mergedSource } from '../../../main/export/merge-source';
import { readPeftAdapter } from '../../../main/export/peft-adapter';
import { LlamaCppOracle } from '../../helpers/llamacpp-oracle';
import { writeTinyAdapter } from '../../helpers/tiny-adapter';
import { tempDir } from '../../helpers/temp-dir';
import { tinyModel } from '../../helpers/tiny-model';

const tmp = tempDir('lathe-q4km-');
const LIB = join(process.cwd(), 'node_modules', '@node-llama-cpp', `${process.platform}-${process.arch}`, 'bins', `${process.platform}-${process.arch}`, 'libggml-base.so');
const python = spawnSync('python3', ['-c', 'import ctypes'], { encoding: 'utf8' }).status === 0;
const IDS = [1, 17, 300, 42, 99, 7, 250, 8, 511, 3, 64, 128];

describe('Q4_K_M mixture rules', () => {
  it('use_more_bits and the type per tensor follow llama.cpp', () => {
    expect([...Array(8).keys()].filter((i) => useMoreBits(i, 8))).toEqual([0, 3, 6, 7]);
    expect([...Array(32).keys()].filter((i) => useMoreBits(i, 32))).toEqual([0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31]);
    expect(q4kmType('output.weight', [256, 512], 8, false)).toBe('Q6_K');
    expect(q4kmType('token_embd.weight', [256, 512], 8, false)).toBe('Q4_K');
    expect(q4kmType('token_embd.weight', [256, 512], 8, true)).toBe('Q6_K');
    expect(q4kmType('blk.3.attn_v.weight', [256, 128], 8, false)).toBe('Q6_K');
    expect(q4kmType('blk.4.attn_v.weight', [256, 128], 8, false)).toBe('Q4_K');
    expect(q4kmType('blk.7.ffn_down.weight', [512, 256], 8, false)).toBe('Q6_K');
    expect(q4kmType('blk.1.ffn_up.weight', [256, 512], 8, false)).toBe('Q4_K');
    expect(q4kmType('blk.0.attn_q.weight', [64, 64], 8, false)).toBe('Q5_0');
    expect(q4kmType('blk.0.attn_v.weight', [64, 32], 8, false)).toBe('Q8_0');
  });
});

describe('Q4_K_M export of base+adapter', () => {
  let f: GgufFile;
  let path = '';
  let dir = '';
  let adapterDir = '';
  beforeAll(async () => {
    dir = await tinyModel({ arch: 'llama', tokenizer: 'synthetic', hidden: 256, intermediate: 512, layers: 8, heads: 4, kvHeads: 2, std: 0.05 });
    adapterDir = await writeTinyAdapter(dir, join(tmp, 'a'), { r: 8, std: 0.1 });
    const src = await mergedSource(dir, await readPeftAdapter(adapterDir));
    path = join(tmp, 'm.gguf');
    await exportGguf(dir, path, { outType: 'q4_k_m', read: (info) => src.read(info.name) });
    f = await readGguf(path);
  });

  it('writes the mixture and file type 15', () => {
    const t = (n: string) => f.tensors.find((x) => x.name === n)?.type;
    expect(f.kv.get('general.file_type')?.value).toBe(15);
    expect([t('output.weight'), t('token_embd.weight'), t('blk.0.attn_v.weight'), t('blk.1.attn_v.weight'), t('blk.6.ffn_down.weight'), t('blk.5.ffn_down.weight'), t('blk.2.attn_q.weight'), t('blk.2.ffn_norm.weight')]).toEqual(
      ['Q6_K', 'Q4_K', 'Q6_K', 'Q4_K', 'Q6_K', 'Q4_K', 'Q4_K', 'F32'],
    );
  });

  it.skipIf(!python || !existsSync(LIB))("tensor bytes equal llama.cpp's quantization of the same merged weights", async () => {
    const src = await mergedSource(dir, await readPeftAdapter(adapterDir));
    const raw = readFileSync(path);
    for (const [hf, gg] of [['model.layers.2.mlp.up_proj.weight', 'blk.2.ffn_up.weight'], ['model.layers.6.mlp.down_proj.weight', 'blk.6.ffn_down.weight'], ['lm_head.weight', 'output.weight']] as const) {
      const info = f.tensors.find((x) => x.name === gg)!;
      const x = await src.read(hf);
      writeFileSync(join(tmp, 'x.f32'), new Uint8Array(x.buffer));
      const r = spawnSync('python3', [join('test', 'fixtures', 'scripts', 'ggml_quantize.py'), LIB, String(GgmlType[info.type]), String(info.ne[0]), join(tmp, 'x.f32'), join(tmp, 'x.bin')], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const want = readFileSync(join(tmp, 'x.bin'));
      const got = raw.subarray(f.dataStart + info.offset, f.dataStart + info.offset + want.length);
      expect(Buffer.compare(got, want), gg).toBe(0);
    }
  });

  it("llama.cpp runs it; log-probs stay within the Q4 bound of Lathe's base+adapter", async () => {
    const m = await openEngine({ threads: 2 }).loadModel(dir, { maxSeqLen: 32 });
    await m.loadAdapter(adapterDir);
    const want = await m.logprobs(IDS);
    await m.close();
    const o = await LlamaCppOracle.load(path, { contextSize: 32 });
    const got = (await o.logprobs(IDS)).logprobs;
    await o.dispose();
    const d = got.map((v, i) => Math.abs(v - want[i]));
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    console.log(`Q4_K_M vs Lathe base+adapter |Δ logprob|: mean ${mean.toFixed(4)} max ${Math.max(...d).toFixed(4)}`);
    expect(mean).toBeLessThan(0.3);
  });
});
