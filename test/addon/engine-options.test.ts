// The engine's options are declared once: the TypeScript key lists equal the ones the addon reads, the addon refuses a
// missing or unknown key by name, rank bounds agree with the config schema, and LoRA+ (loraPlusRatio, the setting
// added through every layer as the test of that structure) speeds up exactly the B matrices.
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ALL_LORA_TARGETS, engineOptionKeys, openEngine, type Engine, type EngineModel } from '../../main/engine/engine';
import { LORA_KEYS, MAX_LORA_RANK, OPTIMIZER_KEYS } from '../../main/api/engine-options';
import { configKinds } from '../../main/api/training-config';
import { adamw, loraOf } from '../helpers/engine-options';
import { makeTiny } from './tiny';

const ROOT = join(process.cwd(), 'test', '.tmp', `engine-options-${process.pid}`);
let engine: Engine;
let dir: string;
beforeAll(() => {
  engine = openEngine({ threads: 2 });
  dir = makeTiny(join(ROOT, 'llama'), { arch: 'llama', seed: 21, hidden: 32, intermediate: 48, vocab: 64 }).dir;
});

const TOKENS = [3, 17, 5, 60, 41, 8, 33, 12, 30, 2];
const TARGETS = [...TOKENS.slice(1), -1];

describe('engine options', () => {
  test('the TypeScript key lists are the addon\'s, and the rank bound is one number everywhere', () => {
    const native = engineOptionKeys();
    expect([...native.lora].sort()).toEqual([...LORA_KEYS].sort());
    expect([...native.step].sort()).toEqual([...OPTIMIZER_KEYS].sort());
    expect(native.maxLoraRank).toBe(MAX_LORA_RANK);
    expect(configKinds.loraR.max).toBe(MAX_LORA_RANK);
  });

  test('a missing or unknown option is refused by name, never defaulted', async () => {
    const lora = loraOf({ r: 4, alpha: 8, targets: ALL_LORA_TARGETS, seed: 1 });
    const { dropout: _d, ...noDropout } = lora;
    await expect(engine.loadModel(dir, { maxSeqLen: 16, lora: noDropout as typeof lora })).rejects.toThrow(/lora: key "dropout" is missing/);
    await expect(engine.loadModel(dir, { maxSeqLen: 16, lora: { ...lora, alpha_: 3 } as typeof lora })).rejects.toThrow(/lora: unknown key "alpha_"/);
    const m = await engine.loadModel(dir, { maxSeqLen: 16, lora });
    try {
      await m.forward({ tokens: TOKENS, targets: TARGETS });
      await m.backward(new Float32Array(TOKENS.length).fill(-1));
      const { eps: _e, ...noEps } = adamw({ lr: 1e-2 });
      await expect(m.step(noEps as ReturnType<typeof adamw>)).rejects.toThrow(/step: key "eps" is missing/);
      await expect(m.step({ ...adamw({ lr: 1e-2 }), betas: [0.9, 0.99] } as ReturnType<typeof adamw>)).rejects.toThrow(/step: unknown key "betas"/);
      await expect(engine.loadModel(dir, { maxSeqLen: 16, lora: { ...lora, r: MAX_LORA_RANK + 1 } })).rejects.toThrow(new RegExp(`\\[1, ${MAX_LORA_RANK}\\]`));
    } finally {
      await m.close();
    }
  });

  test('LoRA+: B moves loraPlusRatio times as far as plain LoRA on the first step, A exactly as far', async () => {
    const moved = async (ratio: number) => {
      const m: EngineModel = await engine.loadModel(dir, { maxSeqLen: 16, lora: loraOf({ r: 4, alpha: 8, targets: ['q', 'v'], seed: 7 }) });
      try {
        // Non-zero B, so A has a gradient too (B starts at zero).
        for (let l = 0; l < 2; l++) for (const mod of ['q', 'v'] as const) m.setLoraTensor(l, mod, 'B', m.loraTensor(l, mod, 'B').map((_, i) => ((i * 37) % 11) / 50 - 0.1));
        const before = { A: m.loraTensor(1, 'q', 'A'), B: m.loraTensor(1, 'q', 'B') };
        await m.forward({ tokens: TOKENS, targets: TARGETS });
        await m.backward(new Float32Array(TOKENS.length).fill(-1));
        await m.step(adamw({ lr: 1e-3, loraPlusRatio: ratio }));
        const delta = (a: Float32Array, b: Float32Array) => Array.from(a, (x, i) => x - b[i]);
        return { A: delta(m.loraTensor(1, 'q', 'A'), before.A), B: delta(m.loraTensor(1, 'q', 'B'), before.B) };
      } finally {
        await m.close();
      }
    };
    const plain = await moved(1);
    const plus = await moved(16);
    const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    expect(norm(plain.B)).toBeGreaterThan(0);
    expect(plus.A).toEqual(plain.A);
    expect(norm(plus.B) / norm(plain.B)).toBeCloseTo(16, 3);
  });
});
