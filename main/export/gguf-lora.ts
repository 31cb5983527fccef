// `gguf-lora` export: a PEFT adapter as the GGUF LoRA file llama.cpp's convert_lora_to_gguf.py writes (formats.md §5):
// general.type = adapter, adapter.lora.alpha, blk.N.<name>.weight.lora_a/.lora_b, q/k row permutation of lora_b for arch llama.
import { basename } from 'node:path';
import { LatheError } from '../api/errors';
import { readModelDir } from '../models/model-dir';
import { encodeGgml } from './ggml-quants';
import { GGUF_ARCH, ggufTensorName, permuteQK } from './gguf-model';
import { gv, GgufWriter } from './gguf-writer';
import type { PeftAdapter } from './peft-adapter';

export interface GgufLoraOptions {
  type?: 'f32' | 'f16';
  name?: string;
}

/**
 * llama.cpp scales each module by alpha/r with r = lora_b.ne[0]. One alpha reproduces PEFT exactly when
 * scale·r is the same for every module (plain LoRA, and rsLoRA at one rank: alpha·√r). Otherwise B is pre-scaled
 * and alpha is written as 0, which llama.cpp reads as scale 1.
 */
export function ggufLoraAlpha(adapter: PeftAdapter): { alpha: number; prescale: boolean } {
  const products = adapter.modules.map((m) => m.scale * m.r);
  const first = products[0];
  const same = products.every((p) => Math.abs(p - first) <= 1e-6 * Math.abs(first));
  return same && first !== 0 ? { alpha: first, prescale: false } : { alpha: 0, prescale: true };
}

export async function exportGgufLora(baseDir: string, adapter: PeftAdapter, outPath: string, opts: GgufLoraOptions = {}): Promise<{ path: string; bytes: number; alpha: number }> {
  if (adapter.tables.size) {
    // llama.cpp's LoRA files hold low-rank pairs only; a replaced embedding table or head has no place in them.
    throw new LatheError('export.unsupported', `${adapter.dir} also trained the ${[...adapter.tables.keys()].join(' and ')} (trainEmbeddings), which a GGUF LoRA file cannot carry.`, 'Export a merged GGUF (format gguf) instead: it includes the trained tables.');
  }
  const m = await readModelDir(baseDir);
  const arch = GGUF_ARCH[m.modelType];
  const type = opts.type === 'f32' ? 'F32' : 'F16';
  const { alpha, prescale } = ggufLoraAlpha(adapter);
  const w = new GgufWriter();
  w.set('general.architecture', gv.str(arch));
  w.set('general.type', gv.str('adapter'));
  w.set('general.name', gv.str(opts.name ?? basename(adapter.dir)));
  w.set('general.file_type', gv.u32(type === 'F32' ? 0 : 1));
  w.set('general.quantization_version', gv.u32(2));
  w.set('adapter.type', gv.str('lora'));
  w.set('adapter.lora.alpha', gv.f32(alpha));
  const entries = adapter.modules.map((mod) => {
    const g = ggufTensorName(`${mod.module}.weight`);
    if (!g || !g.startsWith('blk.')) {
      throw new LatheError('gguf_unsupported', `${adapter.dir}: LoRA module ${mod.module} has no GGUF LoRA mapping`, 'Only q, k, v, o, gate, up and down projections can be exported to GGUF LoRA.');
    }
    return { g, mod };
  });
  const layerOf = (g: string) => Number(/^blk\.(\d+)\./.exec(g)![1]);
  entries.sort((a, b) => layerOf(a.g) - layerOf(b.g) || (a.g < b.g ? -1 : 1));
  for (const { g, mod } of entries) {
    w.addTensor({ name: `${g}.lora_a`, ne: [mod.inFeatures, mod.r], type, data: () => encodeGgml(mod.A, type) });
    w.addTensor({
      name: `${g}.lora_b`,
      ne: [mod.r, mod.outFeatures],
      type,
      data: () => {
        let b = mod.B;
        if (prescale) b = b.map((x) => x * mod.scale);
        // llama arch runs NORM RoPE: the base q/k rows are permuted, so the rows of B must follow (formats.md §5).
        if (arch === 'llama' && /\.attn_[qk]\.weight$/.test(g)) b = permuteQK(b, mod.outFeatures, mod.r, g.includes('attn_q') ? m.heads : m.kvHeads);
        return encodeGgml(b, type);
      },
    });
  }
  const bytes = await w.write(outPath);
  return { path: outPath, bytes, alpha };
}
