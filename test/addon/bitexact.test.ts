// Bit-identity across engine refactors: scoring log-probs, greedy generation (KV cache), training log-probs, LoRA
// gradients (packed batch, dropout, checkpointing on and off) and one AdamW step of a tiny model per architecture must
// equal, bit for bit, the values recorded from the engine before the backend refactor (fixtures/bitexact.json).
// Recording (the script that produced the fixture): LATHE_RECORD_BITEXACT=1 npx vitest run test/addon/bitexact.test.ts
// once per SIMD level (LATHE_CPU_ISA=scalar|avx2, then unset); each run adds the entry for `${process.arch}-${isa}`.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ALL_LORA_TARGETS, openEngine, type Engine, type Quant } from '../../main/engine/engine';
import { loadAddon } from '../../main/engine/addon';
import { makeTiny, rng, type TinySpec } from './tiny';
import { adamw, loraOf } from '../helpers/engine-options';

const FIXTURE = join(process.cwd(), 'test', 'addon', 'fixtures', 'bitexact.json');
const ROOT = join(process.cwd(), 'test', '.tmp', `engine-bitexact-${process.pid}`);
const RECORD = process.env.LATHE_RECORD_BITEXACT === '1';
const CASES: Record<string, { spec: TinySpec; quant: Quant }> = {
  llama: { spec: { arch: 'llama', llama3Rope: true, seed: 21, hidden: 32, intermediate: 48, vocab: 64 }, quant: 'none' },
  mistral: { spec: { arch: 'mistral', kvHeads: 1, seed: 22, hidden: 32, intermediate: 48, vocab: 64 }, quant: 'nf4' },
  qwen2: { spec: { arch: 'qwen2', tied: true, seed: 23, hidden: 32, intermediate: 48, vocab: 64 }, quant: 'int8' },
  qwen3: { spec: { arch: 'qwen3', headDim: 12, seed: 24, hidden: 32, intermediate: 48, vocab: 64, dtype: 'BF16' }, quant: 'none' },
};
const TOKENS = [3, 17, 5, 60, 41, 8, 33, 12, 30, 2, 50, 27];
// Row 0 is one document; row 1 packs two (positions restart, segments split attention).
const PACKED = {
  tokens: [...TOKENS, ...TOKENS.slice().reverse()],
  targets: [...TOKENS.slice(1), -1, ...TOKENS.slice().reverse().slice(1, 5), -1, ...TOKENS.slice().reverse().slice(6), -1],
  positions: [...TOKENS.map((_, i) => i), 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6],
  segments: [...TOKENS.map(() => 0), 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2],
  batch: 2,
};

type Record_ = Record<string, string>;
// Short arrays are kept as base64 of their bytes (readable on a mismatch); gradient tensors as a SHA-256 of their bytes,
// which holds bit-identity just as strictly and keeps the fixture small.
const b64 = (a: Float32Array | Int32Array) => {
  const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return a.length <= 32 ? bytes.toString('base64') : 'sha256:' + createHash('sha256').update(bytes).digest('hex').slice(0, 32);
};

async function observe(engine: Engine, dir: string, quant: Quant): Promise<Record_> {
  const out: Record_ = {};
  const m = await engine.loadModel(dir, { quant, maxSeqLen: 32, lora: loraOf({ r: 4, alpha: 8, dropout: 0.1, targets: ALL_LORA_TARGETS, seed: 5 }) });
  const rand = rng(77);
  for (let l = 0; l < 2; l++)
    for (const mod of ALL_LORA_TARGETS) {
      const b = m.loraTensor(l, mod, 'B');
      for (let i = 0; i < b.length; i++) b[i] = (rand() * 2 - 1) * 0.2;
      m.setLoraTensor(l, mod, 'B', b);
    }
  out.logprobs = b64(await m.logprobs([...TOKENS, ...TOKENS.slice().reverse()], { batch: 2 }));
  out.generate = b64(Int32Array.from((await m.generate(TOKENS.slice(0, 5), { maxNewTokens: 6 })).tokens));
  const seeds = Float32Array.from(PACKED.targets, (t) => (t < 0 ? 0 : rand() * 2 - 1));
  for (const checkpointing of [true, false]) {
    const tag = checkpointing ? 'ckpt' : 'full';
    out[`train.${tag}.logp`] = b64(await m.forward(PACKED, { checkpointing, dropoutSeed: 9 }));
    await m.backward(seeds);
    for (let l = 0; l < 2; l++)
      for (const mod of ALL_LORA_TARGETS)
        for (const which of ['dA', 'dB'] as const) out[`train.${tag}.${l}.${mod}.${which}`] = b64(m.loraTensor(l, mod, which));
    if (checkpointing) await m.zeroGrad();
  }
  const st = await m.step(adamw({ lr: 1e-2, maxGradNorm: 1, weightDecay: 0.01 }));
  out['step.gradNorm'] = b64(Float32Array.of(st.gradNorm));
  out['step.logprobs'] = b64(await m.logprobs(TOKENS));
  await m.close();
  return out;
}

let engine: Engine;
let key = '';
beforeAll(() => {
  engine = openEngine({ threads: 2 });
  key = `${process.arch}-${loadAddon().cpuFeatures().isa}`;
});

describe('bit-identity with the pre-refactor engine', () => {
  const fixture: Record<string, Record<string, Record_>> = existsSync(FIXTURE) ? JSON.parse(readFileSync(FIXTURE, 'utf8')) : {};
  test.each(Object.keys(CASES))('%s', async (arch) => {
    const { spec, quant } = CASES[arch];
    const got = await observe(engine, makeTiny(join(ROOT, arch), spec).dir, quant);
    if (RECORD) {
      fixture[key] = { ...(fixture[key] ?? {}), [arch]: got };
      const tmp = FIXTURE + '.tmp';
      writeFileSync(tmp, JSON.stringify(fixture, null, 1) + '\n');
      renameSync(tmp, FIXTURE);
      return;
    }
    const want = fixture[key]?.[arch];
    // Fixtures exist for the SIMD levels of x86-64 (scalar, avx2, avx512); another CPU has nothing recorded to hold.
    if (!want) return void console.warn(`bitexact: no fixture for ${key}; record one on the pre-refactor engine`);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const k of Object.keys(want)) expect(got[k], `${arch} ${key} ${k}`).toBe(want[k]);
  });
});
