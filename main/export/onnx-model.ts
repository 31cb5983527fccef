// `onnx` export: the merged model as an ONNX Runtime decoder with a KV-cache signature (input_ids, attention_mask,
// position_ids, past_key_values.N.key/value -> logits, present.N.key/value). Linear weights are int4 through
// com.microsoft MatMulNBits (block 32, symmetric) or plain f32 MatMul; tensors stream into model.onnx.data.
import { join } from 'node:path';
import { readModelDir } from '../models/model-dir';
import { LatheError } from '../api/errors';
import { writeFileAtomic } from '../fs/atomic-file';
import { llama3RopeFreqDivisors } from './gguf-model';
import type { TensorSource } from './merge-source';
import { DType, externalTensor, inlineTensor, model, Msg, node, valueInfo, type AttrValue } from './onnx-proto';
import { writeFolderAtomic } from './output-target';

export type OnnxWeights = 'int4' | 'f32';

/** Symmetric int4 blocks of 32 along K (formats.md §7): scale = v/-8 for v the largest-|x| value, q = clip(round(x/scale), -8, 7) + 8. */
export function quantizeInt4(w: Float32Array, n: number, k: number): { q: Uint8Array; scales: Float32Array } {
  const kb = Math.ceil(k / 32);
  const q = new Uint8Array(n * kb * 16);
  const scales = new Float32Array(n * kb);
  for (let r = 0; r < n; r++) {
    for (let b = 0; b < kb; b++) {
      let amax = 0;
      let v = 0;
      for (let j = 0; j < 32 && b * 32 + j < k; j++) {
        const x = w[r * k + b * 32 + j];
        if (Math.abs(x) > amax) {
          amax = Math.abs(x);
          v = x;
        }
      }
      const scale = Math.fround(v / -8);
      scales[r * kb + b] = scale;
      const inv = scale ? 1 / scale : 0;
      for (let j = 0; j < 32; j++) {
        const x = b * 32 + j < k ? w[r * k + b * 32 + j] : 0;
        const qi = Math.max(-8, Math.min(7, Math.round(x * inv))) + 8;
        const byte = (r * kb + b) * 16 + (j >> 1);
        q[byte] |= j & 1 ? qi << 4 : qi;
      }
    }
  }
  return { q, scales };
}

export function dequantizeInt4(q: Uint8Array, scales: Float32Array, n: number, k: number): Float32Array {
  const kb = Math.ceil(k / 32);
  const w = new Float32Array(n * k);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < k; c++) {
      const byte = q[(r * kb + (c >> 5)) * 16 + ((c & 31) >> 1)];
      const qi = c & 1 ? byte >> 4 : byte & 15;
      w[r * k + c] = (qi - 8) * scales[r * kb + (c >> 5)];
    }
  return w;
}

interface Pending {
  name: string;
  dims: number[];
  dtype: number;
  bytes: () => Promise<Uint8Array>;
}

class Graph {
  nodes: Msg[] = [];
  inits: Msg[] = [];
  pending: Pending[] = [];
  private n = 0;
  private names = new Set<string>();
  op(type: string, inputs: string[], attrs: Record<string, AttrValue> = {}, domain = '', outputs?: string[]): string {
    const out = outputs ?? [`${type.toLowerCase()}_${this.n}`];
    this.nodes.push(node(type, inputs, out, `${type}_${this.n++}`, attrs, domain));
    return out[0];
  }
  i64(name: string, values: number[]): string {
    // Shape constants repeat (k and v share one); one initializer per name.
    if (this.names.has(name)) return name;
    this.names.add(name);
    const raw = new Uint8Array(values.length * 8);
    const dv = new DataView(raw.buffer);
    values.forEach((v, i) => dv.setBigInt64(i * 8, BigInt(v), true));
    this.inits.push(inlineTensor(name, [values.length], DType.INT64, raw));
    return name;
  }
  scalarF32(name: string, v: number): string {
    const raw = new Uint8Array(4);
    new DataView(raw.buffer).setFloat32(0, v, true);
    this.inits.push(inlineTensor(name, [], DType.FLOAT, raw));
    return name;
  }
  scalarI64(name: string, v: number): string {
    const raw = new Uint8Array(8);
    new DataView(raw.buffer).setBigInt64(0, BigInt(v), true);
    this.inits.push(inlineTensor(name, [], DType.INT64, raw));
    return name;
  }
  external(name: string, dims: number[], dtype: number, bytes: () => Promise<Uint8Array>): string {
    this.pending.push({ name, dims, dtype, bytes });
    return name;
  }
}

const f32bytes = (x: Float32Array) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);

export async function exportOnnx(baseDir: string, src: TensorSource, out: string, opts: { weights?: OnnxWeights; force?: boolean; onProgress?: (done: number, total: number) => void } = {}): Promise<string[]> {
  const m = await readModelDir(baseDir);
  const weights = opts.weights ?? 'int4';
  const H = m.heads;
  const KV = m.kvHeads;
  const hd = m.headDim;
  const g = H / KV;
  if (m.rope.scaling && m.rope.scaling.rope_type !== 'llama3') {
    throw new LatheError('onnx_unsupported', `${baseDir}/config.json: rope_scaling type ${m.rope.scaling.rope_type} cannot be exported to ONNX yet`, 'Only llama3 RoPE scaling (or none) is supported.');
  }
  const G = new Graph();
  const t = (name: string) => src.read(name);
  const f32Init = (name: string, hf: string) => G.external(name, src.tensors.get(hf)!.shape, DType.FLOAT, async () => f32bytes(await t(hf)));

  const linear = (x: string, hf: string, bias?: string): string => {
    const [n, k] = src.tensors.get(`${hf}.weight`)!.shape;
    let y: string;
    if (weights === 'int4') {
      const kb = Math.ceil(k / 32);
      let cached: { q: Uint8Array; scales: Float32Array } | null = null;
      const quant = async () => (cached ??= quantizeInt4(await t(`${hf}.weight`), n, k));
      const qn = G.external(`${hf}.qweight`, [n, kb, 16], DType.UINT8, async () => (await quant()).q);
      const sn = G.external(`${hf}.scales`, [n * kb], DType.FLOAT, async () => {
        const s = (await quant()).scales;
        cached = null;
        return f32bytes(s);
      });
      y = G.op('MatMulNBits', [x, qn, sn], { K: k, N: n, bits: 4, block_size: 32 }, 'com.microsoft');
    } else {
      const wt = G.external(`${hf}.weight_t`, [k, n], DType.FLOAT, async () => {
        const w = await t(`${hf}.weight`);
        const tr = new Float32Array(k * n);
        for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) tr[c * n + r] = w[r * k + c];
        return f32bytes(tr);
      });
      y = G.op('MatMul', [x, wt]);
    }
    return bias && src.tensors.has(bias) ? G.op('Add', [y, f32Init(bias, bias)]) : y;
  };
  const eps = G.scalarF32('rms_eps', m.rmsNormEps);
  const rms = (x: string, w: string): string => {
    const ms = G.op('ReduceMean', [G.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
    const inv = G.op('Reciprocal', [G.op('Sqrt', [G.op('Add', [ms, eps])])]);
    return G.op('Mul', [G.op('Mul', [x, inv]), f32Init(w, w)]);
  };

  // RoPE tables [max_pos, hd/2] (llama3 scaling folded in), gathered by position_ids.
  const maxPos = m.maxPositionEmbeddings;
  const half = hd / 2;
  const div = m.rope.scaling ? llama3RopeFreqDivisors(hd, m.rope.theta, m.rope.scaling) : null;
  const table = (fn: (x: number) => number) => async () => {
    const out = new Float32Array(maxPos * half);
    for (let p = 0; p < maxPos; p++)
      for (let i = 0; i < half; i++) out[p * half + i] = fn(p * (1 / m.rope.theta ** ((2 * i) / hd) / (div ? div[i] : 1)));
    return f32bytes(out);
  };
  const cosT = G.external('rope_cos', [maxPos, half], DType.FLOAT, table(Math.cos));
  const sinT = G.external('rope_sin', [maxPos, half], DType.FLOAT, table(Math.sin));
  const ax1 = G.i64('axes_1', [1]);
  const cos = G.op('Unsqueeze', [G.op('Gather', [cosT, 'position_ids']), ax1]); // [B,1,S,hd/2]
  const sin = G.op('Unsqueeze', [G.op('Gather', [sinT, 'position_ids']), ax1]);
  const splitHalf = G.i64('split_half', [half, half]);
  // HF rotate_half (NEOX): out = [x1·cos − x2·sin, x2·cos + x1·sin].
  const rope = (x: string): string => {
    const [x1, x2] = [`${x}_h1`, `${x}_h2`];
    G.op('Split', [x, splitHalf], { axis: -1 }, '', [x1, x2]);
    const a = G.op('Sub', [G.op('Mul', [x1, cos]), G.op('Mul', [x2, sin])]);
    const b = G.op('Add', [G.op('Mul', [x2, cos]), G.op('Mul', [x1, sin])]);
    return G.op('Concat', [a, b], { axis: -1 });
  };

  // Additive mask [B,1,S,T] from position_ids (causal) and attention_mask (padding), tiled for the grouped heads.
  const T = G.op('Gather', [G.op('Shape', ['attention_mask']), G.scalarI64('idx_1', 1)], { axis: 0 });
  const kpos = G.op('Range', [G.scalarI64('zero_i64', 0), T, G.scalarI64('one_i64', 1)]);
  const causal = G.op('LessOrEqual', [kpos, G.op('Unsqueeze', ['position_ids', G.i64('axes_2', [2])])]); // [B,S,T]
  const pad = G.op('Unsqueeze', [G.op('Cast', ['attention_mask'], { to: DType.BOOL }), ax1]); // [B,1,T]
  const allowed = G.op('And', [causal, pad]);
  const maskBST = G.op('Where', [allowed, G.scalarF32('zero_f', 0), G.scalarF32('neg_big', -1e9)]);
  const mask = G.op('Tile', [G.op('Unsqueeze', [maskBST, ax1]), G.i64('tile_g', [1, 1, g, 1])]);
  const scale = G.scalarF32('attn_scale', 1 / Math.sqrt(hd));
  const perm = { perm: [0, 2, 1, 3] };

  let x = G.op('Gather', [f32Init('embed_tokens', 'model.embed_tokens.weight'), 'input_ids']);
  const inputs = [valueInfo('input_ids', DType.INT64, ['batch', 'seq']), valueInfo('attention_mask', DType.INT64, ['batch', 'total']), valueInfo('position_ids', DType.INT64, ['batch', 'seq'])];
  const outputs: Msg[] = [];
  for (let l = 0; l < m.layers; l++) {
    const p = `model.layers.${l}`;
    const hN = rms(x, `${p}.input_layernorm.weight`);
    const heads = (y: string, n: number) => G.op('Reshape', [y, G.i64(`shape_h${n}_${l}`, [0, 0, n, hd])]);
    let q = heads(linear(hN, `${p}.self_attn.q_proj`, `${p}.self_attn.q_proj.bias`), H);
    let k = heads(linear(hN, `${p}.self_attn.k_proj`, `${p}.self_attn.k_proj.bias`), KV);
    const v = G.op('Transpose', [heads(linear(hN, `${p}.self_attn.v_proj`, `${p}.self_attn.v_proj.bias`), KV)], perm);
    if (src.tensors.has(`${p}.self_attn.q_norm.weight`)) {
      q = rms(q, `${p}.self_attn.q_norm.weight`);
      k = rms(k, `${p}.self_attn.k_norm.weight`);
    }
    q = rope(G.op('Transpose', [q], perm)); // [B,H,S,hd]
    k = rope(G.op('Transpose', [k], perm)); // [B,KV,S,hd]
    const pk = `past_key_values.${l}.key`;
    const pv = `past_key_values.${l}.value`;
    inputs.push(valueInfo(pk, DType.FLOAT, ['batch', KV, 'past', hd]), valueInfo(pv, DType.FLOAT, ['batch', KV, 'past', hd]));
    const kAll = G.op('Concat', [pk, k], { axis: 2 }, '', [`present.${l}.key`]);
    const vAll = G.op('Concat', [pv, v], { axis: 2 }, '', [`present.${l}.value`]);
    outputs.push(valueInfo(kAll, DType.FLOAT, ['batch', KV, 'total', hd]), valueInfo(vAll, DType.FLOAT, ['batch', KV, 'total', hd]));
    // Grouped heads without copying K/V: head h = j·g + r reads KV head j, so q regroups to [B, KV, g·S, hd].
    const qg = G.op('Reshape', [q, G.i64(`shape_qg_${l}`, [0, KV, -1, hd])]);
    const scores = G.op('Add', [G.op('Mul', [G.op('MatMul', [qg, G.op('Transpose', [kAll], { perm: [0, 1, 3, 2] })]), scale]), mask]);
    const ctx = G.op('MatMul', [G.op('Softmax', [scores], { axis: -1 }), vAll]); // [B,KV,g·S,hd]
    const merged = G.op('Reshape', [G.op('Transpose', [G.op('Reshape', [ctx, G.i64(`shape_ctx_${l}`, [0, H, -1, hd])])], perm), G.i64(`shape_o_${l}`, [0, 0, H * hd])]);
    x = G.op('Add', [x, linear(merged, `${p}.self_attn.o_proj`, `${p}.self_attn.o_proj.bias`)]);
    const h2 = rms(x, `${p}.post_attention_layernorm.weight`);
    const gate = linear(h2, `${p}.mlp.gate_proj`);
    const act = G.op('Mul', [gate, G.op('Sigmoid', [gate])]);
    x = G.op('Add', [x, linear(G.op('Mul', [act, linear(h2, `${p}.mlp.up_proj`)]), `${p}.mlp.down_proj`)]);
  }
  const final = rms(x, 'model.norm.weight');
  // The output head stays f32 (as llama.cpp keeps it at higher precision): logits decide every token.
  const head = m.tied ? 'model.embed_tokens.weight' : 'lm_head.weight';
  const [V, Hd] = src.tensors.get(head)!.shape;
  const headT = G.external('lm_head_t', [Hd, V], DType.FLOAT, async () => {
    const w = await t(head);
    const tr = new Float32Array(Hd * V);
    for (let r = 0; r < V; r++) for (let c = 0; c < Hd; c++) tr[c * V + r] = w[r * Hd + c];
    return f32bytes(tr);
  });
  G.op('MatMul', [final, headT], {}, '', ['logits']);
  outputs.unshift(valueInfo('logits', DType.FLOAT, ['batch', 'seq', V]));

  return writeFolderAtomic(out, opts.force ?? false, async (tmp) => {
    let offset = 0;
    let done = 0;
    await writeFileAtomic(join(tmp, 'model.onnx.data'), async (w) => {
      for (const pnd of G.pending) {
        const bytes = await pnd.bytes();
        // ORT maps external data; 4 KiB alignment of each tensor is what its own writer uses.
        const pad = (4096 - (offset % 4096)) % 4096;
        if (pad) await w.write(new Uint8Array(pad));
        offset += pad;
        G.inits.push(externalTensor(pnd.name, pnd.dims, pnd.dtype, 'model.onnx.data', offset, bytes.length));
        await w.write(bytes);
        offset += bytes.length;
        opts.onProgress?.(++done, G.pending.length);
      }
    });
    const graph = new Msg();
    for (const n of G.nodes) graph.msg(1, n);
    graph.str(2, 'lathe_decoder');
    for (const i of G.inits) graph.msg(5, i);
    for (const i of inputs) graph.msg(11, i);
    for (const o of outputs) graph.msg(12, o);
    const bytes = model(graph, [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }]);
    await writeFileAtomic(join(tmp, 'model.onnx'), async (w) => w.write(bytes));
    return [join(out, 'model.onnx'), join(out, 'model.onnx.data')];
  });
}
