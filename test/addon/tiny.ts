// The engine tests' checkpoint writer: a minimal F32/BF16/F16 safetensors writer and tiny random Llama-family checkpoints
// in exact Hugging Face layout, with the knobs those tests turn (head scale, llama3 RoPE, head_dim, tied heads, dtypes);
// the product's generator (main/models/make-tiny.ts) writes the tiny models everything else uses.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_LORA_TARGETS, type LoraTarget } from '../../main/engine/engine';
// Deterministic pseudo-random numbers: the trainer's own mulberry32.
import { mulberry32 as rng } from '../../main/data/rng';
export { rng };

export interface TensorIn {
  dtype?: 'F32' | 'BF16' | 'F16';
  shape: number[];
  data: Float32Array;
}

function f32ToBf16(x: number): number {
  const b = new Float32Array([x]);
  const u = new Uint32Array(b.buffer)[0];
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 0x40) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

function f32ToF16(val: number): number {
  const f = new Float32Array([val]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) return sign; // flush tiny values (tests use moderate magnitudes)
  if (exp >= 31) return sign | 0x7c00;
  const round = mant & 0x1fff;
  mant >>>= 13;
  if (round > 0x1000 || (round === 0x1000 && (mant & 1))) {
    mant++;
    if (mant === 0x400) { mant = 0; exp++; }
  }
  return sign | (exp << 10) | mant;
}

/** Serialises tensors as safetensors (header padded with spaces to 8, tensors sorted by name, back to back). */
export function safetensorsBytes(tensors: Record<string, TensorIn>, metadata: Record<string, string> = { format: 'pt' }): Buffer {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Buffer[] = [];
  let off = 0;
  for (const n of names) {
    const t = tensors[n];
    const dtype = t.dtype ?? 'F32';
    let buf: Buffer;
    if (dtype === 'F32') buf = Buffer.from(new Float32Array(t.data).buffer);
    else {
      const u = new Uint16Array(t.data.length);
      for (let i = 0; i < t.data.length; i++) u[i] = dtype === 'BF16' ? f32ToBf16(t.data[i]) : f32ToF16(t.data[i]);
      buf = Buffer.from(u.buffer);
    }
    header[n] = { dtype, shape: t.shape, data_offsets: [off, off + buf.length] };
    off += buf.length;
    chunks.push(buf);
  }
  let json = JSON.stringify(header);
  while (json.length % 8) json += ' ';
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([len, Buffer.from(json), ...chunks]);
}


export type TinyArch = 'llama' | 'mistral' | 'qwen2' | 'qwen3';

export interface TinySpec {
  arch: TinyArch;
  vocab?: number;
  hidden?: number;
  intermediate?: number;
  layers?: number;
  heads?: number;
  kvHeads?: number;
  headDim?: number;
  tied?: boolean;
  llama3Rope?: boolean;
  dtype?: 'F32' | 'BF16' | 'F16';
  seed?: number;
  shards?: number;
  /** Uniform half-width of lm_head weights (default 1/sqrt(hidden)); larger = sharper logits (reachable low loss). */
  headScale?: number;
}

export interface TinyModel {
  dir: string;
  config: Record<string, unknown>;
  tensors: Record<string, TensorIn>;
}

/** Writes config.json + model.safetensors (or shards + index) for a tiny random model. */
export function makeTiny(dir: string, spec: TinySpec): TinyModel {
  const V = spec.vocab ?? 96, C = spec.hidden ?? 64, I = spec.intermediate ?? 96, L = spec.layers ?? 2;
  const NH = spec.heads ?? 4, NKV = spec.kvHeads ?? 2;
  const HD = spec.headDim ?? C / NH;
  const r = rng(spec.seed ?? 1);
  const rand = (n: number, s: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * s;
    return a;
  };
  const norm = (n: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = 1 + (r() * 2 - 1) * 0.2;
    return a;
  };
  const dtype = spec.dtype ?? 'F32';
  const t: Record<string, TensorIn> = {};
  const mat = (name: string, out: number, inn: number) => (t[name] = { dtype, shape: [out, inn], data: rand(out * inn, 1 / Math.sqrt(inn)) });
  const vec = (name: string, n: number, s = 0.1) => (t[name] = { dtype, shape: [n], data: rand(n, s) });
  t['model.embed_tokens.weight'] = { dtype, shape: [V, C], data: rand(V * C, 1) };
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}.`;
    t[p + 'input_layernorm.weight'] = { dtype, shape: [C], data: norm(C) };
    t[p + 'post_attention_layernorm.weight'] = { dtype, shape: [C], data: norm(C) };
    mat(p + 'self_attn.q_proj.weight', NH * HD, C);
    mat(p + 'self_attn.k_proj.weight', NKV * HD, C);
    mat(p + 'self_attn.v_proj.weight', NKV * HD, C);
    mat(p + 'self_attn.o_proj.weight', C, NH * HD);
    mat(p + 'mlp.gate_proj.weight', I, C);
    mat(p + 'mlp.up_proj.weight', I, C);
    mat(p + 'mlp.down_proj.weight', C, I);
    if (spec.arch === 'qwen2') {
      vec(p + 'self_attn.q_proj.bias', NH * HD);
      vec(p + 'self_attn.k_proj.bias', NKV * HD);
      vec(p + 'self_attn.v_proj.bias', NKV * HD);
    }
    if (spec.arch === 'qwen3') {
      t[p + 'self_attn.q_norm.weight'] = { dtype, shape: [HD], data: norm(HD) };
      t[p + 'self_attn.k_norm.weight'] = { dtype, shape: [HD], data: norm(HD) };
    }
  }
  t['model.norm.weight'] = { dtype, shape: [C], data: norm(C) };
  if (!spec.tied) t['lm_head.weight'] = { dtype, shape: [V, C], data: rand(V * C, spec.headScale ?? 1 / Math.sqrt(C)) };
  const config: Record<string, unknown> = {
    architectures: [{ llama: 'LlamaForCausalLM', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM', qwen3: 'Qwen3ForCausalLM' }[spec.arch]],
    model_type: spec.arch,
    vocab_size: V,
    hidden_size: C,
    intermediate_size: I,
    num_hidden_layers: L,
    num_attention_heads: NH,
    num_key_value_heads: NKV,
    rms_norm_eps: 1e-5,
    rope_theta: spec.arch === 'llama' && spec.llama3Rope ? 500000 : 10000,
    max_position_embeddings: 512,
    tie_word_embeddings: !!spec.tied,
    hidden_act: 'silu',
    torch_dtype: dtype === 'F32' ? 'float32' : dtype === 'BF16' ? 'bfloat16' : 'float16',
  };
  if (spec.headDim !== undefined || spec.arch === 'qwen3') config.head_dim = HD;
  if (spec.llama3Rope) config.rope_scaling = { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const shards = spec.shards ?? 1;
  if (shards === 1) writeFileSync(join(dir, 'model.safetensors'), safetensorsBytes(t));
  else {
    const names = Object.keys(t).sort();
    const weightMap: Record<string, string> = {};
    for (let s = 0; s < shards; s++) {
      const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
      const part: Record<string, TensorIn> = {};
      names.filter((_, i) => i % shards === s).forEach((n) => { part[n] = t[n]; weightMap[n] = file; });
      writeFileSync(join(dir, file), safetensorsBytes(part));
    }
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  }
  return { dir, config, tensors: t };
}

/**
 * Gives every LoRA B matrix of the first `layers` layers seeded values in ±0.2 (as after some training), so the adapter
 * changes the log-probs and A gets non-trivial gradients; B starts at zero otherwise.
 */
export function randomizeLoraB(m: { loraTensor(l: number, mod: LoraTarget, which: 'B'): Float32Array; setLoraTensor(l: number, mod: LoraTarget, which: 'B', v: Float32Array): void }, seed: number, layers = 2): void {
  const rand = rng(seed);
  for (let l = 0; l < layers; l++)
    for (const mod of ALL_LORA_TARGETS) {
      const b = m.loraTensor(l, mod, 'B');
      for (let i = 0; i < b.length; i++) b[i] = (rand() * 2 - 1) * 0.2;
      m.setLoraTensor(l, mod, 'B', b);
    }
}
