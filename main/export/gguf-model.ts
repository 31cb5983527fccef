// Converts a Hugging Face Llama-family folder to a GGUF model file as llama.cpp's convert_hf_to_gguf.py does (formats.md §2, §4).
import { basename } from 'node:path';
import { LatheError } from '../api/errors';
import { readModelDir, type ModelSummary } from '../models/model-dir';
import { readCheckpointIndex, readTensorF32, type StTensorInfo } from '../models/safetensors';
import { encodeGgml, GGML_BLOCK, type GgmlTypeName } from './ggml-quants';
import { gv, GgufWriter } from './gguf-writer';
import { addTokenizerMetadata } from './gguf-tokenizer';

export type GgufOutType = 'f32' | 'f16' | 'bf16' | 'q8_0' | 'q4_0' | 'q4_k_m';

const OUT_TYPE: Record<GgufOutType, { ggml: GgmlTypeName; fileType: number }> = {
  f32: { ggml: 'F32', fileType: 0 },
  f16: { ggml: 'F16', fileType: 1 },
  q4_0: { ggml: 'Q4_0', fileType: 2 },
  q8_0: { ggml: 'Q8_0', fileType: 7 },
  bf16: { ggml: 'BF16', fileType: 32 },
  q4_k_m: { ggml: 'Q4_K', fileType: 15 },
};

/** llama.cpp's use_more_bits: the first and last eighth of the layers, and every third one between. */
export function useMoreBits(i: number, n: number): boolean {
  return i < Math.floor(n / 8) || i >= Math.floor((7 * n) / 8) || (i - Math.floor(n / 8)) % 3 === 2;
}

/**
 * The Q4_K_M mixture of llama.cpp's llama_tensor_get_type: Q4_K by default; Q6_K for the output head (or the tied
 * embedding that serves as it) and for attn_v / ffn_down in the layers use_more_bits picks. Rows that are not a
 * multiple of 256 fall back as llama.cpp does (Q4_K → Q5_0, Q6_K → Q8_0).
 */
export function q4kmType(name: string, ne: number[], nLayers: number, tied: boolean): GgmlTypeName {
  let t: GgmlTypeName = 'Q4_K';
  const layer = /^blk\.(\d+)\./.exec(name);
  if (name === 'output.weight' || (tied && name === 'token_embd.weight')) t = 'Q6_K';
  else if (layer && /\.(attn_v|ffn_down)\.weight$/.test(name) && useMoreBits(Number(layer[1]), nLayers)) t = 'Q6_K';
  if (ne[0] % 256 !== 0) t = t === 'Q4_K' ? 'Q5_0' : 'Q8_0';
  return t;
}

export const GGUF_ARCH: Record<ModelSummary['modelType'], 'llama' | 'qwen2' | 'qwen3'> = {
  llama: 'llama', mistral: 'llama', qwen2: 'qwen2', qwen3: 'qwen3',
};

/** HF → GGUF tensor name (formats.md §2 table); null for tensors the converter skips, undefined for unknown ones. */
export function ggufTensorName(hf: string): string | null | undefined {
  if (hf.endsWith('.rotary_emb.inv_freq')) return null;
  const fixed: Record<string, string> = {
    'model.embed_tokens.weight': 'token_embd.weight',
    'model.norm.weight': 'output_norm.weight',
    'lm_head.weight': 'output.weight',
  };
  if (fixed[hf]) return fixed[hf];
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hf);
  if (!m) return undefined;
  const map: Record<string, string> = {
    'input_layernorm.weight': 'attn_norm.weight',
    'self_attn.q_proj.weight': 'attn_q.weight', 'self_attn.q_proj.bias': 'attn_q.bias',
    'self_attn.k_proj.weight': 'attn_k.weight', 'self_attn.k_proj.bias': 'attn_k.bias',
    'self_attn.v_proj.weight': 'attn_v.weight', 'self_attn.v_proj.bias': 'attn_v.bias',
    'self_attn.o_proj.weight': 'attn_output.weight', 'self_attn.o_proj.bias': 'attn_output.bias',
    'self_attn.q_norm.weight': 'attn_q_norm.weight', 'self_attn.k_norm.weight': 'attn_k_norm.weight',
    'post_attention_layernorm.weight': 'ffn_norm.weight',
    'mlp.gate_proj.weight': 'ffn_gate.weight', 'mlp.up_proj.weight': 'ffn_up.weight', 'mlp.down_proj.weight': 'ffn_down.weight',
  };
  const g = map[m[2]];
  return g ? `blk.${m[1]}.${g}` : undefined;
}

/**
 * Meta's interleaved RoPE layout for llama.cpp's NORM rope: within each head, new row (2i + j) = old row (j·hd/2 + i).
 * `x` is [rows, cols] row-major; biases use cols = 1.
 */
export function permuteQK(x: Float32Array, rows: number, cols: number, nHead: number): Float32Array {
  const hd = rows / nHead;
  const half = hd / 2;
  const out = new Float32Array(x.length);
  for (let h = 0; h < nHead; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const src = (h * hd + j * half + i) * cols;
        const dst = (h * hd + 2 * i + j) * cols;
        out.set(x.subarray(src, src + cols), dst);
      }
    }
  }
  return out;
}

/** llama3 RoPE as llama.cpp wants it: a divisor per frequency (formats.md §2). */
export function llama3RopeFreqDivisors(headDim: number, theta: number, s: Record<string, unknown>): Float32Array {
  const factor = s.factor as number;
  const lo = s.low_freq_factor as number;
  const hi = s.high_freq_factor as number;
  const oldCtx = s.original_max_position_embeddings as number;
  const loWl = oldCtx / lo;
  const hiWl = oldCtx / hi;
  const out = new Float32Array(headDim / 2);
  for (let i = 0; i < headDim / 2; i++) {
    const invFreq = 1 / theta ** ((2 * i) / headDim);
    const wl = (2 * Math.PI) / invFreq;
    if (wl < hiWl) out[i] = 1;
    else if (wl > loWl) out[i] = factor;
    else {
      const sm = (oldCtx / wl - lo) / (hi - lo);
      out[i] = 1 / ((1 - sm) / factor + sm);
    }
  }
  return out;
}

export interface GgufExportOptions {
  outType?: GgufOutType;
  name?: string;
  /** Where tensor values come from (e.g. base + merged LoRA); default: the folder's stored weights. */
  read?: (info: StTensorInfo) => Promise<Float32Array>;
  onProgress?: (done: number, total: number) => void;
}

export interface GgufExportResult {
  path: string;
  bytes: number;
  arch: string;
  tensorCount: number;
}

/** Exports the model folder `dir` to `outPath` (atomic). */
export async function exportGguf(dir: string, outPath: string, opts: GgufExportOptions = {}): Promise<GgufExportResult> {
  const m = await readModelDir(dir);
  const outType = OUT_TYPE[opts.outType ?? 'f16'];
  if (!outType) throw new LatheError('invalid_option', `unknown GGUF type ${String(opts.outType)}`, `Use one of ${Object.keys(OUT_TYPE).join(', ')}.`);
  const arch = GGUF_ARCH[m.modelType];
  const scaling = m.rope.scaling;
  if (scaling && scaling.rope_type !== 'llama3') {
    throw new LatheError('gguf_unsupported', `${dir}/config.json: rope_scaling type ${scaling.rope_type} cannot be exported to GGUF yet`, 'Only llama3 RoPE scaling (or none) is supported.');
  }
  if (scaling && arch !== 'llama') {
    throw new LatheError('gguf_unsupported', `${dir}/config.json: llama3 RoPE scaling on ${m.modelType} is not representable in GGUF`, 'llama.cpp reads rope_freqs only for the llama architecture.');
  }
  const w = new GgufWriter();
  w.set('general.architecture', gv.str(arch));
  w.set('general.type', gv.str('model'));
  w.set('general.name', gv.str(opts.name ?? basename(dir)));
  w.set('general.file_type', gv.u32(outType.fileType));
  if (outType.ggml === 'Q4_0' || outType.ggml === 'Q8_0' || outType.ggml === 'Q4_K') w.set('general.quantization_version', gv.u32(2));
  w.set(`${arch}.context_length`, gv.u32(m.maxPositionEmbeddings));
  w.set(`${arch}.embedding_length`, gv.u32(m.hidden));
  w.set(`${arch}.block_count`, gv.u32(m.layers));
  w.set(`${arch}.feed_forward_length`, gv.u32(m.intermediate));
  w.set(`${arch}.attention.head_count`, gv.u32(m.heads));
  w.set(`${arch}.attention.head_count_kv`, gv.u32(m.kvHeads));
  w.set(`${arch}.attention.layer_norm_rms_epsilon`, gv.f32(m.rmsNormEps));
  w.set(`${arch}.rope.freq_base`, gv.f32(m.rope.theta));
  w.set(`${arch}.rope.dimension_count`, gv.u32(m.headDim));
  if (m.headDim * m.heads !== m.hidden || arch === 'qwen3') {
    w.set(`${arch}.attention.key_length`, gv.u32(m.headDim));
    w.set(`${arch}.attention.value_length`, gv.u32(m.headDim));
  }
  w.set(`${arch}.vocab_size`, gv.u32(m.vocab));
  await addTokenizerMetadata(w, dir, m.vocab);

  const tensors = await readCheckpointIndex(dir);
  let done = 0;
  const permute = arch === 'llama';
  const add = (name: string, info: StTensorInfo) => {
    const shape = info.shape;
    const ne = [...shape].reverse();
    const oneDim = shape.length === 1;
    let type: GgmlTypeName = oneDim || name.endsWith('_norm.weight') ? 'F32' : opts.outType === 'q4_k_m' ? q4kmType(name, ne, m.layers, m.tied) : outType.ggml;
    // Rows that do not fill whole quant blocks fall back to F16, as the converter does.
    if (ne[0] % GGML_BLOCK[type].elems !== 0) type = 'F16';
    w.addTensor({
      name,
      ne,
      type,
      data: async () => {
        let x = await (opts.read ? opts.read(info) : readTensorF32(info));
        opts.onProgress?.(++done, byGguf.size);
        if (permute && /attn_[qk]\.(weight|bias)$/.test(name)) {
          const nHead = name.includes('attn_q') ? m.heads : m.kvHeads;
          x = permuteQK(x, shape[0], shape.length > 1 ? shape[1] : 1, nHead);
        }
        return encodeGgml(x, type);
      },
    });
  };
  // Tensor order of the converter: token_embd, (rope_freqs), blocks, output_norm, output.
  const byGguf = new Map<string, StTensorInfo>();
  for (const [hf, info] of tensors) {
    const g = ggufTensorName(hf);
    if (g === null) continue;
    if (g === undefined) {
      throw new LatheError('gguf_unsupported', `${info.file}: tensor ${hf} has no GGUF mapping`, 'This checkpoint has layers Lathe cannot export yet.');
    }
    byGguf.set(g, info);
  }
  if (m.tied) byGguf.delete('output.weight');
  const first = ['token_embd.weight'];
  const last = ['output_norm.weight', 'output.weight'];
  if (byGguf.has('token_embd.weight')) add('token_embd.weight', byGguf.get('token_embd.weight')!);
  if (scaling) {
    const freqs = llama3RopeFreqDivisors(m.headDim, m.rope.theta, scaling);
    w.addTensor({ name: 'rope_freqs.weight', ne: [freqs.length], type: 'F32', data: encodeGgml(freqs, 'F32') });
  }
  const blockName = (n: string) => /^blk\.(\d+)\./.exec(n);
  const blocks = [...byGguf.keys()].filter((n) => !first.includes(n) && !last.includes(n));
  blocks.sort((a, b) => Number(blockName(a)![1]) - Number(blockName(b)![1]) || (a < b ? -1 : 1));
  for (const n of blocks) add(n, byGguf.get(n)!);
  for (const n of last) if (byGguf.has(n)) add(n, byGguf.get(n)!);
  const bytes = await w.write(outPath);
  return { path: outPath, bytes, arch, tensorCount: byGguf.size + (scaling ? 1 : 0) };
}
