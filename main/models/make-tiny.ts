// Writes deterministic random-weight Llama-family checkpoints in exact Hugging Face layout (tests and `lathe dev make-tiny`).
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LatheError } from '../api/errors';
import { encodeFloats, type StDtype } from './dtype';
import { loadTokenizer } from './tokenizer';
import { tensorByteSize, writeSafetensors, type TensorToWrite } from '../export/safetensors-writer';

export type TinyArch = 'llama' | 'mistral' | 'qwen2' | 'qwen3';

export interface TinyModelOptions {
  arch: TinyArch;
  /** Folder with tokenizer.json (+ tokenizer_config.json); its vocab sets vocab_size. */
  tokenizerDir: string;
  out: string;
  seed?: number;
  dtype?: 'f32' | 'bf16' | 'f16';
  hidden?: number;
  layers?: number;
  heads?: number;
  kvHeads?: number;
  /** Defaults to hidden/heads; set it to differ (Qwen3 style). */
  headDim?: number;
  intermediate?: number;
  ropeScaling?: 'llama3' | null;
  ropeTheta?: number;
  tied?: boolean;
  shards?: number;
  /** Weight std of linear layers and embeddings (norms are 1 ± std). */
  std?: number;
  maxPositionEmbeddings?: number;
}

export interface TinyModelInfo {
  dir: string;
  config: Record<string, unknown>;
  tensorNames: string[];
  parameterCount: number;
}

const ARCH: Record<TinyArch, { architecture: string; modelType: string }> = {
  llama: { architecture: 'LlamaForCausalLM', modelType: 'llama' },
  mistral: { architecture: 'MistralForCausalLM', modelType: 'mistral' },
  qwen2: { architecture: 'Qwen2ForCausalLM', modelType: 'qwen2' },
  qwen3: { architecture: 'Qwen3ForCausalLM', modelType: 'qwen3' },
};

const TORCH_DTYPE = { f32: 'float32', bf16: 'bfloat16', f16: 'float16' } as const;
const ST_DTYPE: Record<'f32' | 'bf16' | 'f16', StDtype> = { f32: 'F32', bf16: 'BF16', f16: 'F16' };

/** FNV-1a of a string, so every tensor gets its own stream independent of write order and sharding. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32 uniform PRNG with Box–Muller normals: small, fast and the same on every platform. */
export function normalStream(seed: number): () => number {
  let a = seed >>> 0;
  const uni = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | null = null;
  return () => {
    if (spare != null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = Math.max(uni(), 1e-12);
    const v = uni();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

function randomTensor(seed: number, name: string, n: number, mean: number, std: number): Float32Array {
  const next = normalStream((seed ^ fnv1a(name)) >>> 0);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + std * next();
  return out;
}

function positive(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v <= 0) throw new LatheError('invalid_option', `--${name} must be a positive integer, got ${v}`);
  return v;
}

/** HF config.json for the given options (formats.md §2 fields). */
export function tinyConfig(o: Required<Pick<TinyModelOptions, 'arch'>> & TinyModelOptions, vocabSize: number, bosId: number | null, eosId: number | null): Record<string, unknown> {
  const hidden = positive('hidden', o.hidden ?? 64);
  const heads = positive('heads', o.heads ?? 4);
  const kvHeads = positive('kv-heads', o.kvHeads ?? 2);
  const headDim = positive('head-dim', o.headDim ?? hidden / heads);
  if (heads % kvHeads !== 0) throw new LatheError('invalid_option', `--heads ${heads} must be a multiple of --kv-heads ${kvHeads}`);
  if (headDim % 2 !== 0) throw new LatheError('invalid_option', `head_dim ${headDim} must be even for RoPE`);
  const a = ARCH[o.arch];
  const cfg: Record<string, unknown> = {
    architectures: [a.architecture],
    model_type: a.modelType,
    vocab_size: vocabSize,
    hidden_size: hidden,
    intermediate_size: positive('intermediate', o.intermediate ?? 128),
    num_hidden_layers: positive('layers', o.layers ?? 2),
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: headDim,
    hidden_act: 'silu',
    max_position_embeddings: o.maxPositionEmbeddings ?? 2048,
    initializer_range: 0.02,
    rms_norm_eps: 1e-5,
    rope_theta: o.ropeTheta ?? (o.ropeScaling === 'llama3' ? 500000 : 10000),
    rope_scaling: null as unknown,
    tie_word_embeddings: o.tied ?? false,
    attention_dropout: 0.0,
    use_cache: true,
    bos_token_id: bosId,
    eos_token_id: eosId,
    torch_dtype: TORCH_DTYPE[o.dtype ?? 'f32'],
    transformers_version: '4.46.0',
  };
  if (o.ropeScaling === 'llama3') {
    // Llama 3.1 values: with head_dim 16 and theta 5e5 these put frequencies in all three bands.
    cfg.rope_scaling = { rope_type: 'llama3', factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192 };
  }
  if (o.arch === 'llama') Object.assign(cfg, { attention_bias: false, mlp_bias: false, pretraining_tp: 1 });
  if (o.arch === 'mistral') Object.assign(cfg, { sliding_window: null });
  if (o.arch === 'qwen2') Object.assign(cfg, { use_sliding_window: false, sliding_window: null, max_window_layers: cfg.num_hidden_layers });
  if (o.arch === 'qwen3') Object.assign(cfg, { attention_bias: false, use_sliding_window: false, sliding_window: null, max_window_layers: cfg.num_hidden_layers });
  return cfg;
}

/** Names and shapes of every tensor of the checkpoint, in HF naming. */
export function tinyTensorShapes(cfg: Record<string, unknown>): { name: string; shape: number[] }[] {
  const H = cfg.hidden_size as number;
  const I = cfg.intermediate_size as number;
  const V = cfg.vocab_size as number;
  const nh = cfg.num_attention_heads as number;
  const nkv = cfg.num_key_value_heads as number;
  const hd = cfg.head_dim as number;
  const type = cfg.model_type as string;
  const out: { name: string; shape: number[] }[] = [{ name: 'model.embed_tokens.weight', shape: [V, H] }];
  for (let l = 0; l < (cfg.num_hidden_layers as number); l++) {
    const p = `model.layers.${l}.`;
    out.push({ name: `${p}input_layernorm.weight`, shape: [H] });
    out.push({ name: `${p}self_attn.q_proj.weight`, shape: [nh * hd, H] });
    out.push({ name: `${p}self_attn.k_proj.weight`, shape: [nkv * hd, H] });
    out.push({ name: `${p}self_attn.v_proj.weight`, shape: [nkv * hd, H] });
    if (type === 'qwen2') {
      out.push({ name: `${p}self_attn.q_proj.bias`, shape: [nh * hd] });
      out.push({ name: `${p}self_attn.k_proj.bias`, shape: [nkv * hd] });
      out.push({ name: `${p}self_attn.v_proj.bias`, shape: [nkv * hd] });
    }
    if (type === 'qwen3') {
      out.push({ name: `${p}self_attn.q_norm.weight`, shape: [hd] });
      out.push({ name: `${p}self_attn.k_norm.weight`, shape: [hd] });
    }
    out.push({ name: `${p}self_attn.o_proj.weight`, shape: [H, nh * hd] });
    out.push({ name: `${p}post_attention_layernorm.weight`, shape: [H] });
    out.push({ name: `${p}mlp.gate_proj.weight`, shape: [I, H] });
    out.push({ name: `${p}mlp.up_proj.weight`, shape: [I, H] });
    out.push({ name: `${p}mlp.down_proj.weight`, shape: [H, I] });
  }
  out.push({ name: 'model.norm.weight', shape: [H] });
  if (!cfg.tie_word_embeddings) out.push({ name: 'lm_head.weight', shape: [V, H] });
  return out;
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja', 'special_tokens_map.json', 'tokenizer.model'];

/** Writes the checkpoint folder: config.json, generation_config.json, weights (maybe sharded), tokenizer files. */
export async function makeTinyModel(opts: TinyModelOptions): Promise<TinyModelInfo> {
  const tok = await loadTokenizer(opts.tokenizerDir);
  const cfg = tinyConfig(opts, tok.vocabSize, tok.bosId, tok.eosId);
  const seed = opts.seed ?? 0;
  const std = opts.std ?? 0.1;
  const dtype = ST_DTYPE[opts.dtype ?? 'f32'];
  const shards = positive('shards', opts.shards ?? 1);
  await mkdir(opts.out, { recursive: true });

  const shapes = tinyTensorShapes(cfg);
  let params = 0;
  const tensors: TensorToWrite[] = shapes.map(({ name, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    params += n;
    const isNorm = name.endsWith('norm.weight');
    return {
      name,
      dtype,
      shape,
      data: () => encodeFloats(randomTensor(seed, name, n, isNorm ? 1 : 0, std), dtype as 'F32' | 'F16' | 'BF16'),
    };
  });

  if (shards === 1) {
    await writeSafetensors(join(opts.out, 'model.safetensors'), tensors);
  } else {
    // Greedy split in HF order into `shards` files of roughly equal size, as save_pretrained does by max_shard_size.
    const total = tensors.reduce((s, t) => s + tensorByteSize(t.dtype, t.shape), 0);
    const groups: TensorToWrite[][] = Array.from({ length: shards }, () => []);
    if (tensors.length < shards) throw new LatheError('invalid_option', `--shards ${shards} is more than the ${tensors.length} tensors of this model`);
    let acc = 0;
    let cur = 0;
    tensors.forEach((t, i) => {
      const left = tensors.length - i;
      let g = Math.min(shards - 1, Math.floor((acc / total) * shards));
      // Never skip a shard, and keep one tensor for every shard still empty.
      g = Math.max(cur, Math.min(g, groups[cur].length ? cur + 1 : cur));
      if (groups[cur].length && left <= shards - 1 - cur) g = cur + 1;
      cur = g;
      groups[g].push(t);
      acc += tensorByteSize(t.dtype, t.shape);
    });
    if (groups.some((g) => g.length === 0)) throw new LatheError('invalid_option', `--shards ${shards} is more than this model can fill`);
    const weightMap: Record<string, string> = {};
    const pad = (i: number) => String(i).padStart(5, '0');
    for (let i = 0; i < shards; i++) {
      const file = `model-${pad(i + 1)}-of-${pad(shards)}.safetensors`;
      for (const t of groups[i]) weightMap[t.name] = file;
      await writeSafetensors(join(opts.out, file), groups[i]);
    }
    const index = { metadata: { total_size: total }, weight_map: Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : 1))) };
    await writeFile(join(opts.out, 'model.safetensors.index.json'), JSON.stringify(index, null, 2) + '\n');
  }

  await writeFile(join(opts.out, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
  const gen = {
    bos_token_id: tok.bosId,
    eos_token_id: tok.stopIds.length > 1 ? tok.stopIds : tok.eosId,
    transformers_version: '4.46.0',
  };
  await writeFile(join(opts.out, 'generation_config.json'), JSON.stringify(gen, null, 2) + '\n');
  const present = new Set(await readdir(opts.tokenizerDir));
  for (const f of TOKENIZER_FILES) if (present.has(f)) await copyFile(join(opts.tokenizerDir, f), join(opts.out, f));
  return { dir: opts.out, config: cfg, tensorNames: shapes.map((s) => s.name), parameterCount: params };
}
