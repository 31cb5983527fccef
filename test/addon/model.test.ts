// Engine model layer: loading (sharded, bf16/f16, bad configs, pickles), memory plan vs measured peak, NF4 against an
// independent scalar bitsandbytes implementation, LoRA adapters (fresh = no-op, PEFT save/load), sampling, cancel.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { openEngine, type Engine, type Quant } from '../../main/engine/engine';
import { makeTiny, type TinySpec } from './tiny';
import { loraOf } from '../helpers/engine-options';

const ROOT = join(process.cwd(), 'test', '.tmp', `engine-model-${process.pid}`);
let engine: Engine;
const dirs: Record<string, string> = {};
const SPECS: Record<string, TinySpec> = {
  llama: { arch: 'llama', llama3Rope: true, seed: 1 },
  mistral: { arch: 'mistral', kvHeads: 1, seed: 2 },
  qwen2: { arch: 'qwen2', tied: true, seed: 3 },
  qwen3: { arch: 'qwen3', headDim: 24, seed: 4 },
};
const IDS = [3, 17, 5, 90, 41, 8, 66, 12, 30, 2, 77, 54];

beforeAll(() => {
  engine = openEngine({ threads: 2 });
  for (const [k, spec] of Object.entries(SPECS)) dirs[k] = makeTiny(join(ROOT, k), spec).dir;
});

// ---- independent NF4 reference (bitsandbytes functional.py / kernels.cu semantics, written from formats.md §8) ----
const NF4 = [-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334,
  -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
  0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0];
const f32 = Math.fround;
function nf4Code(x: number): number {
  // Nearest codebook entry via midpoints (ties go up, like the CUDA decision tree's `>` comparisons).
  let best = 0;
  for (let i = 1; i < 16; i++) if (x > f32((NF4[i - 1] + NF4[i]) / 2)) best = i;
  return best;
}
// bitsandbytes create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8), sorted.
function dynamicMap(): number[] {
  const data: number[] = [];
  const maxExp = 7, totalBits = 8;
  const nonSign = totalBits - 1;
  const additional = 2 ** (nonSign - maxExp);
  for (let i = 0; i < maxExp; i++) {
    const fractionItems = 2 ** (i + nonSign - maxExp) + 1;
    const bounds: number[] = [];
    for (let k = 0; k < fractionItems; k++) bounds.push(0.1 + (0.9 * k) / (fractionItems - 1));
    const means = bounds.slice(0, -1).map((b, k) => (b + bounds[k + 1]) / 2);
    for (const m of means) { data.push(10 ** (-(maxExp - 1) + i) * m); data.push(-(10 ** (-(maxExp - 1) + i)) * m); }
  }
  if (additional > 0) {
    const fractionItems = 2 ** (maxExp) + 1; // unreachable for (7, 8) but kept for fidelity
    void fractionItems;
  }
  data.push(0);
  data.push(1.0);
  return data.map(f32).sort((a, b) => a - b);
}
function nearestIndex(map: number[], x: number): number {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (Math.abs(map[i] - x) < Math.abs(map[best] - x)) best = i;
  return best;
}
/** Quantize + dequantize a flattened weight exactly like bitsandbytes NF4 with double-quantized absmax. */
function referenceNf4(w: Float32Array): Float32Array {
  const nb = Math.ceil(w.length / 64);
  const absmax = new Float32Array(nb);
  for (let b = 0; b < nb; b++) {
    let m = 0;
    for (let i = b * 64; i < Math.min(w.length, b * 64 + 64); i++) m = Math.max(m, Math.abs(w[i]));
    absmax[b] = m;
  }
  let mean = 0;
  for (const a of absmax) mean += a;
  const offset = f32(mean / nb);
  const map = dynamicMap();
  const deqAbsmax = new Float32Array(nb);
  for (let s = 0; s < Math.ceil(nb / 256); s++) {
    let scale = 0;
    for (let b = s * 256; b < Math.min(nb, s * 256 + 256); b++) scale = Math.max(scale, Math.abs(absmax[b] - offset));
    scale = f32(scale);
    for (let b = s * 256; b < Math.min(nb, s * 256 + 256); b++) {
      const q = scale === 0 ? nearestIndex(map, 0) : nearestIndex(map, f32(f32(absmax[b] - offset) / scale));
      deqAbsmax[b] = f32(f32(map[q] * scale) + offset);
    }
  }
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const b = Math.floor(i / 64);
    const code = nf4Code(absmax[b] === 0 ? 0 : f32(w[i] * f32(1 / absmax[b])));
    out[i] = f32(NF4[code] * deqAbsmax[b]);
  }
  return out;
}

describe('loading', () => {
  test('sharded checkpoints load through the index and give the same log-probs', async () => {
    const single = await engine.loadModel(dirs.qwen2, { maxSeqLen: 32 });
    const shardedDir = makeTiny(join(ROOT, 'qwen2-sharded'), { ...SPECS.qwen2, shards: 3 }).dir;
    expect(existsSync(join(shardedDir, 'model.safetensors.index.json'))).toBe(true);
    const sharded = await engine.loadModel(shardedDir, { maxSeqLen: 32 });
    expect(Array.from(await sharded.logprobs(IDS))).toEqual(Array.from(await single.logprobs(IDS)));
    await single.close();
    await sharded.close();
  });

  test('bf16 and f16 checkpoints load (bf16 mmapped as stored, f16 converted to f32)', async () => {
    for (const dtype of ['BF16', 'F16'] as const) {
      const dir = makeTiny(join(ROOT, `llama-${dtype}`), { ...SPECS.llama, dtype }).dir;
      const m = await engine.loadModel(dir, { maxSeqLen: 32 });
      const lp = await m.logprobs(IDS);
      expect(m.info().storageDtype).toBe(dtype);
      expect(lp.every((x) => Number.isFinite(x) && x < 0)).toBe(true);
      await m.close();
    }
  });

  test('config errors name the field; unknown model_type lists the supported ones', async () => {
    const bad = (name: string, patch: (c: Record<string, unknown>) => void) => {
      const dir = makeTiny(join(ROOT, name), { arch: 'llama', layers: 1 }).dir;
      const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      patch(cfg);
      writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
      return engine.loadModel(dir);
    };
    await expect(bad('gpt2', (c) => (c.model_type = 'gpt2'))).rejects.toMatchObject({ code: 'unsupported_model', message: expect.stringContaining('llama, mistral, qwen2, qwen3') });
    await expect(bad('nohidden', (c) => delete c.hidden_size)).rejects.toMatchObject({ code: 'bad_config', message: expect.stringContaining('`hidden_size` is missing') });
    await expect(bad('badheads', (c) => (c.num_attention_heads = 'four'))).rejects.toMatchObject({ code: 'bad_config', message: expect.stringContaining('num_attention_heads') });
    await expect(bad('badrope', (c) => (c.rope_scaling = { rope_type: 'llama3', factor: 8 }))).rejects.toMatchObject({ message: expect.stringContaining('rope_scaling.low_freq_factor') });
    await expect(bad('wronglayers', (c) => (c.num_hidden_layers = 3))).rejects.toMatchObject({ code: 'bad_model', message: expect.stringContaining('model.layers.1.') });
  });

  test('pickle-only model folders are refused with a hint; a truncated checkpoint is a typed error', async () => {
    const dir = join(ROOT, 'pickle');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), readFileSync(join(dirs.llama, 'config.json')));
    writeFileSync(join(dir, 'pytorch_model.bin'), Buffer.from([0x80, 2, 0x7d, 0x71, 0x2e]));
    await expect(engine.loadModel(dir)).rejects.toMatchObject({ code: 'pickle_refused', hint: expect.stringContaining('safetensors') });
    const trunc = makeTiny(join(ROOT, 'trunc'), { arch: 'llama', layers: 1 }).dir;
    const bytes = readFileSync(join(trunc, 'model.safetensors'));
    writeFileSync(join(trunc, 'model.safetensors'), bytes.subarray(0, bytes.length - 100));
    await expect(engine.loadModel(trunc)).rejects.toMatchObject({ code: 'safetensors_metadata_incomplete_buffer' });
  });

  test('bad token ids and over-long inputs are typed errors', async () => {
    const m = await engine.loadModel(dirs.llama, { maxSeqLen: 8 });
    await expect(m.logprobs([1, 2, 96])).rejects.toMatchObject({ code: 'token_out_of_range' });
    await expect(m.logprobs(IDS)).rejects.toMatchObject({ code: 'sequence_too_long' });
    await m.close();
  });
});

describe('memory plan', () => {
  test.each(['llama', 'mistral', 'qwen2', 'qwen3'])('%s: plan vs measured peak within 5 percent (score and generate, every quant)', async (arch) => {
    for (const quant of ['none', 'nf4', 'int8'] as Quant[]) {
      const m = await engine.loadModel(dirs[arch], { quant, maxSeqLen: 64, lora: loraOf({ r: 4, alpha: 8, targets: ['q', 'v', 'down'] }) });
      for (const [B, T] of [[1, 12], [3, 20]]) {
        m.resetPeak();
        const ids = Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % 96);
        await m.logprobs(ids, { batch: B });
        const plan = m.plan({ batch: B, seqLen: T });
        const peak = m.memory().peak;
        if (Math.abs(peak.total - plan.total) / plan.total >= 0.05) console.log(arch, quant, B, T, JSON.stringify(plan), JSON.stringify(peak));
        expect(Math.abs(peak.total - plan.total) / plan.total).toBeLessThan(0.05);
        expect(peak.weights).toBe(plan.weights);
        expect(peak.lora).toBe(plan.lora);
      }
      m.resetPeak();
      await m.generate(IDS.slice(0, 10), { maxNewTokens: 6 });
      const gp = m.plan({ batch: 1, seqLen: 16, mode: 'generate', promptLen: 10 });
      const gpeak = m.memory().peak;
      expect(gpeak.kvCache).toBe(gp.kvCache);
      expect(Math.abs(gpeak.total - gp.total) / gp.total).toBeLessThan(0.05);
      await m.close();
    }
  });
});

describe('NF4 and int8', () => {
  test('dequantized NF4 weights equal an independent scalar bitsandbytes implementation', async () => {
    const tiny = makeTiny(join(ROOT, 'nf4ref'), { arch: 'llama', seed: 9, hidden: 64, intermediate: 96 });
    const m = await engine.loadModel(tiny.dir, { quant: 'nf4', maxSeqLen: 16 });
    const cases: [number, 'q' | 'k' | 'down', string][] = [[0, 'q', 'model.layers.0.self_attn.q_proj.weight'], [1, 'k', 'model.layers.1.self_attn.k_proj.weight'], [1, 'down', 'model.layers.1.mlp.down_proj.weight']];
    for (const [layer, mod, name] of cases) {
      const ours = m.dequantizedWeight(layer, mod);
      const ref = referenceNf4(tiny.tensors[name].data);
      expect(ours.length).toBe(ref.length);
      let mismatches = 0;
      for (let i = 0; i < ref.length; i++) if (ours[i] !== ref[i]) mismatches++;
      expect(mismatches).toBe(0);
    }
    await m.close();
  });

  test('nf4 and int8 log-probs stay close to f32 (mean |Δ| reported)', async () => {
    for (const arch of Object.keys(SPECS)) {
      const f = await engine.loadModel(dirs[arch], { maxSeqLen: 32 });
      const base = await f.logprobs(IDS);
      await f.close();
      for (const quant of ['nf4', 'int8'] as Quant[]) {
        const q = await engine.loadModel(dirs[arch], { quant, maxSeqLen: 32 });
        const lp = await q.logprobs(IDS);
        let sum = 0;
        for (let i = 0; i < lp.length; i++) sum += Math.abs(lp[i] - base[i]);
        const mean = sum / lp.length;
        console.log(JSON.stringify({ arch, quant, meanAbsDelta: mean }));
        expect(mean).toBeLessThan(quant === 'nf4' ? 0.5 : 0.05);
        expect(mean).toBeGreaterThan(0); // it really is quantized
        await q.close();
      }
    }
  });
});

describe('LoRA adapters', () => {
  test('a fresh adapter (B = 0) changes nothing; adapter on/off per call; PEFT save → load reproduces log-probs', async () => {
    const m = await engine.loadModel(dirs.qwen3, { maxSeqLen: 32, lora: loraOf({ r: 4, alpha: 8, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], seed: 5 }) });
    const off = await m.logprobs(IDS, { adapter: false });
    const on = await m.logprobs(IDS, { adapter: true });
    expect(Array.from(on)).toEqual(Array.from(off));
    // A non-trivial adapter, as if trained: write B ≠ 0 through the PEFT format, then load it.
    const out = join(ROOT, 'adapter');
    await m.saveAdapter(out, { baseModel: 'tiny-qwen3' });
    const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
    expect(cfg).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, task_type: 'CAUSAL_LM', base_model_name_or_path: 'tiny-qwen3' });
    expect(readFileSync(join(out, 'adapter_config.json'), 'utf8')).toContain('"lora_alpha": 8,');
    expect(cfg.target_modules).toEqual(['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']);
    const st = readFileSync(join(out, 'adapter_model.safetensors'));
    const hlen = Number(st.readBigUInt64LE(0));
    const header = JSON.parse(st.subarray(8, 8 + hlen).toString());
    expect(header.__metadata__).toEqual({ format: 'pt' });
    expect(header['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight']).toMatchObject({ dtype: 'F32', shape: [4, 64] });
    expect(header['base_model.model.model.layers.1.mlp.down_proj.lora_B.weight']).toMatchObject({ dtype: 'F32', shape: [64, 4] });
    // Set every B to a deterministic non-zero pattern and reload.
    const buf = Buffer.from(st);
    for (const [name, info] of Object.entries(header) as [string, { data_offsets: [number, number] }][]) {
      if (!name.includes('lora_B')) continue;
      const [b, e] = info.data_offsets;
      for (let o = 8 + hlen + b, k = 0; o < 8 + hlen + e; o += 4, k++) buf.writeFloatLE(0.05 * Math.sin(k + name.length), o);
    }
    writeFileSync(join(out, 'adapter_model.safetensors'), buf);
    await m.loadAdapter(out);
    const trained = await m.logprobs(IDS, { adapter: true });
    const baseAgain = await m.logprobs(IDS, { adapter: false });
    expect(Array.from(baseAgain)).toEqual(Array.from(off));
    let diff = 0;
    for (let i = 0; i < trained.length; i++) diff += Math.abs(trained[i] - off[i]);
    expect(diff).toBeGreaterThan(1e-3);
    // Round trip: save the loaded adapter and load it into a fresh model → identical log-probs.
    const out2 = join(ROOT, 'adapter2');
    await m.saveAdapter(out2);
    const m2 = await engine.loadModel(dirs.qwen3, { maxSeqLen: 32 });
    await m2.loadAdapter(out2);
    expect(Array.from(await m2.logprobs(IDS))).toEqual(Array.from(trained));
    await m.close();
    await m2.close();
  });

  test('rsLoRA scaling and a mismatched adapter are handled', async () => {
    const m = await engine.loadModel(dirs.llama, { maxSeqLen: 32, lora: loraOf({ r: 4, alpha: 8, rslora: true, targets: ['q'] }) });
    expect(m.info().loraParameters).toBe(2 * (4 * 64 + 64 * 4));
    const out = join(ROOT, 'adapter-rs');
    await m.saveAdapter(out);
    expect(JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8')).use_rslora).toBe(true);
    const other = await engine.loadModel(dirs.qwen3, { maxSeqLen: 32 });
    await expect(other.loadAdapter(out)).rejects.toMatchObject({ code: 'bad_adapter' });
    await m.close();
    await other.close();
  });
});

describe('generation', () => {
  test('seeded sampling is reproducible; stop tokens end generation; cancel rejects with code cancelled', async () => {
    const m = await engine.loadModel(dirs.mistral, { maxSeqLen: 4096 });
    const opts = { maxNewTokens: 12, temperature: 0.9, topK: 40, topP: 0.95, minP: 0.01, repetitionPenalty: 1.1, seed: 123 };
    const a = await m.generate(IDS.slice(0, 4), opts);
    const b = await m.generate(IDS.slice(0, 4), opts);
    expect(a.tokens).toEqual(b.tokens);
    expect(a.tokens).toHaveLength(12);
    const c = await m.generate(IDS.slice(0, 4), { ...opts, seed: 124 });
    expect(c.tokens).not.toEqual(a.tokens);
    const stopAt = a.tokens[3];
    const s = await m.generate(IDS.slice(0, 4), { ...opts, stop: [stopAt] });
    expect(s.finishReason).toBe('stop');
    expect(s.tokens[s.tokens.length - 1]).toBe(stopAt);
    expect(s.tokens.length).toBeLessThanOrEqual(4);
    const ac = new AbortController();
    const p = m.generate(IDS.slice(0, 4), { maxNewTokens: 4000, signal: ac.signal }, () => ac.abort());
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    await expect(m.generate(IDS.slice(0, 4), { signal: ac.signal })).rejects.toMatchObject({ code: 'cancelled' });
    // Greedy equals the argmax of teacher-forced scoring at each step.
    const g = await m.generate(IDS.slice(0, 6), { maxNewTokens: 3 });
    const seq = [...IDS.slice(0, 6), ...g.tokens];
    const lp = await m.logprobs(seq);
    expect(lp.length).toBe(seq.length - 1);
    await m.close();
  });
});
