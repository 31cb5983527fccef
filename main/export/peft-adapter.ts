// PEFT LoRA adapter folders in TypeScript: read (config + tensors per module, with PEFT's scaling rules) and write
// (adapter_model.safetensors + adapter_config.json as PEFT saves them), for merging and export (formats.md §3).
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LatheError } from '../api/errors';
import { readSafetensorsHeader, readTensorF32 } from '../models/safetensors';
import { writeSafetensors, type TensorToWrite } from './safetensors-writer';
import { writeFileAtomic } from '../fs/atomic-file';

/** One LoRA module: A [r, in], B [out, r], and PEFT's scaling (alpha/r, or alpha/√r with rsLoRA). */
export interface LoraModuleWeights {
  /** The HF module path, e.g. model.layers.0.self_attn.q_proj (its weight is `${module}.weight`). */
  module: string;
  r: number;
  inFeatures: number;
  outFeatures: number;
  alpha: number;
  scale: number;
  A: Float32Array;
  B: Float32Array;
}

export interface PeftConfig {
  r: number;
  loraAlpha: number;
  useRslora: boolean;
  targetModules: string[];
  baseModel: string;
  rankPattern: Record<string, number>;
  alphaPattern: Record<string, number>;
  raw: Record<string, unknown>;
}

/**
 * Full copies of the embedding table / output head (PEFT modules_to_save, what trainEmbeddings writes), keyed by the
 * base weight they replace: 'model.embed_tokens.weight' and/or 'lm_head.weight', each [vocab, hidden].
 */
export type AdapterTables = Map<string, { shape: number[]; data: Float32Array }>;

export interface PeftAdapter {
  dir: string;
  config: PeftConfig;
  modules: LoraModuleWeights[];
  tables: AdapterTables;
}

/** The modules_to_save Lathe reads and writes, with the base weight each replaces. */
export const SAVED_TABLES: Record<string, string> = { embed_tokens: 'model.embed_tokens.weight', lm_head: 'lm_head.weight' };

const PREFIX = 'base_model.model.';

function bad(path: string, detail: string): never {
  throw new LatheError('adapter_invalid', `${path}: ${detail}`, 'Use a PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors).');
}

/** PEFT looks per-module overrides up by the key that matches the end of the module name. */
function patternValue(pattern: Record<string, number>, module: string): number | undefined {
  for (const [k, v] of Object.entries(pattern)) {
    if (module === k || module.endsWith(`.${k}`)) return v;
    try {
      if (new RegExp(`(.*\\.)?${k}$`).test(module)) return v;
    } catch {
      /* a key that is not a regex only matches literally */
    }
  }
  return undefined;
}

export function loraScale(alpha: number, r: number, rslora: boolean): number {
  return rslora ? alpha / Math.sqrt(r) : alpha / r;
}

export async function readPeftConfig(dir: string): Promise<PeftConfig> {
  const path = join(dir, 'adapter_config.json');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    bad(path, e.code === 'ENOENT' ? 'file not found' : `invalid JSON (${e.message})`);
  }
  if (raw.peft_type !== 'LORA') bad(path, 'field `peft_type` must be "LORA"');
  for (const k of ['use_dora', 'fan_in_fan_out', 'lora_bias'] as const) if (raw[k] === true) bad(path, `field \`${k}\` = true is not supported`);
  const mts = raw.modules_to_save;
  if (Array.isArray(mts)) {
    for (const m of mts) if (typeof m !== 'string' || !(m in SAVED_TABLES)) bad(path, `field \`modules_to_save\` may hold only "embed_tokens" and "lm_head" (got ${JSON.stringify(m)})`);
  }
  const r = raw.r ?? 8;
  const alpha = raw.lora_alpha ?? 8;
  if (typeof r !== 'number' || !Number.isInteger(r) || r <= 0) bad(path, `field \`r\` must be a positive integer, got ${JSON.stringify(r)}`);
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) bad(path, `field \`lora_alpha\` must be a number, got ${JSON.stringify(alpha)}`);
  const tm = raw.target_modules;
  const obj = (k: string) => (raw[k] && typeof raw[k] === 'object' && !Array.isArray(raw[k]) ? (raw[k] as Record<string, number>) : {});
  return {
    r,
    loraAlpha: alpha,
    useRslora: raw.use_rslora === true,
    targetModules: Array.isArray(tm) ? tm.map(String) : typeof tm === 'string' ? [tm] : [],
    baseModel: typeof raw.base_model_name_or_path === 'string' ? raw.base_model_name_or_path : '',
    rankPattern: obj('rank_pattern'),
    alphaPattern: obj('alpha_pattern'),
    raw,
  };
}

/** Reads a whole adapter (adapters are small: a few MB to a few hundred MB). */
export async function readPeftAdapter(dir: string): Promise<PeftAdapter> {
  const config = await readPeftConfig(dir);
  const stPath = join(dir, 'adapter_model.safetensors');
  const header = await readSafetensorsHeader(stPath).catch((err: LatheError) => {
    if (err.code === 'file_missing') bad(dir, 'no adapter_model.safetensors (Lathe never loads pickled adapter_model.bin)');
    throw err;
  });
  const pairs = new Map<string, { A?: string; B?: string }>();
  const saved = Array.isArray(config.raw.modules_to_save) ? (config.raw.modules_to_save as string[]) : [];
  const tables: AdapterTables = new Map();
  for (const [name, info] of header.tensors) {
    const base = name.startsWith(PREFIX) ? name.slice(PREFIX.length) : '';
    const table = saved.find((s) => SAVED_TABLES[s] === base);
    if (table) {
      if (info.shape.length !== 2) bad(stPath, `tensor "${name}" must be a [vocab, hidden] matrix`);
      tables.set(base, { shape: info.shape, data: await readTensorF32(info) });
      continue;
    }
    const m = /^base_model\.model\.(.+)\.lora_([AB])\.weight$/.exec(name);
    if (!m) bad(stPath, `unexpected tensor "${name}" (only lora_A/lora_B weights of linear modules are supported)`);
    const p = pairs.get(m[1]) ?? {};
    p[m[2] as 'A' | 'B'] = name;
    pairs.set(m[1], p);
  }
  if (pairs.size === 0) bad(stPath, 'no LoRA tensors found');
  for (const s of saved) if (!tables.has(SAVED_TABLES[s])) bad(stPath, `modules_to_save names ${s} but there is no tensor ${PREFIX}${SAVED_TABLES[s]}`);
  const modules: LoraModuleWeights[] = [];
  for (const [module, p] of [...pairs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!p.A || !p.B) bad(stPath, `module ${module} has lora_${p.A ? 'B' : 'A'} missing (they come in pairs)`);
    const a = header.tensors.get(p.A)!;
    const b = header.tensors.get(p.B)!;
    if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[0] !== b.shape[1]) {
      bad(stPath, `module ${module}: lora_A [${a.shape}] and lora_B [${b.shape}] do not share a rank (expected [r, in] and [out, r])`);
    }
    const r = a.shape[0];
    const alpha = patternValue(config.alphaPattern, module) ?? config.loraAlpha;
    modules.push({
      module, r, inFeatures: a.shape[1], outFeatures: b.shape[0], alpha,
      scale: loraScale(alpha, r, config.useRslora),
      A: await readTensorF32(a),
      B: await readTensorF32(b),
    });
  }
  return { dir, config, modules, tables };
}

/** delta = scale · B·A as a row-major [out, in] f32 matrix (accumulated in f64 per element for stability). */
export function loraDelta(m: Pick<LoraModuleWeights, 'A' | 'B' | 'r' | 'inFeatures' | 'outFeatures' | 'scale'>): Float32Array {
  const { A, B, r, inFeatures: n, outFeatures: o, scale } = m;
  const out = new Float32Array(o * n);
  const row = new Float64Array(n);
  for (let i = 0; i < o; i++) {
    row.fill(0);
    for (let k = 0; k < r; k++) {
      const b = B[i * r + k];
      if (b === 0) continue;
      const off = k * n;
      for (let j = 0; j < n; j++) row[j] += b * A[off + j];
    }
    for (let j = 0; j < n; j++) out[i * n + j] = row[j] * scale;
  }
  return out;
}

export interface WritePeftOptions {
  baseModel: string;
  alpha: number;
  useRslora: boolean;
  /** When ranks differ per module, the majority rank becomes `r` and the others go to rank_pattern. */
  modules: Pick<LoraModuleWeights, 'module' | 'r' | 'inFeatures' | 'outFeatures' | 'A' | 'B'>[];
  dropout?: number;
  /** Trained embedding table / head copies (written as modules_to_save). */
  tables?: AdapterTables;
}

/** Writes adapter_model.safetensors + adapter_config.json (PEFT's layout, long-standing keys, sorted, indent 2). */
export async function writePeftAdapter(dir: string, opts: WritePeftOptions): Promise<string[]> {
  if (opts.modules.length === 0) throw new LatheError('adapter_empty', 'the adapter has no LoRA modules to write');
  const counts = new Map<number, number>();
  for (const m of opts.modules) counts.set(m.r, (counts.get(m.r) ?? 0) + 1);
  const r = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
  const rankPattern: Record<string, number> = {};
  for (const m of opts.modules) if (m.r !== r) rankPattern[m.module] = m.r;
  const tensors: TensorToWrite[] = [];
  const f32 = (x: Float32Array) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  for (const m of opts.modules) {
    tensors.push({ name: `${PREFIX}${m.module}.lora_A.weight`, dtype: 'F32', shape: [m.r, m.inFeatures], data: f32(m.A) });
    tensors.push({ name: `${PREFIX}${m.module}.lora_B.weight`, dtype: 'F32', shape: [m.outFeatures, m.r], data: f32(m.B) });
  }
  const saved = Object.entries(SAVED_TABLES).filter(([, base]) => opts.tables?.has(base));
  for (const [, base] of saved) {
    const t = opts.tables!.get(base)!;
    tensors.push({ name: `${PREFIX}${base}`, dtype: 'F32', shape: t.shape, data: f32(t.data) });
  }
  const targets = [...new Set(opts.modules.map((m) => m.module.split('.').pop()!))].sort();
  const cfg: Record<string, unknown> = {
    alpha_pattern: {},
    base_model_name_or_path: opts.baseModel,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    lora_alpha: opts.alpha,
    lora_dropout: opts.dropout ?? 0,
    modules_to_save: saved.length ? saved.map(([name]) => name) : null,
    peft_type: 'LORA',
    r,
    rank_pattern: rankPattern,
    target_modules: targets,
    task_type: 'CAUSAL_LM',
    use_rslora: opts.useRslora,
  };
  await mkdir(dir, { recursive: true });
  const st = join(dir, 'adapter_model.safetensors');
  const cj = join(dir, 'adapter_config.json');
  await writeSafetensors(st, tensors);
  await writeFileAtomic(cj, async (w) => w.write(Buffer.from(JSON.stringify(cfg, null, 2) + '\n')));
  return [st, cj];
}
