// Engine training half: analytic LoRA gradients vs central finite differences (every architecture, every target,
// nf4/int8/unquantized bases), checkpointing on/off identical, overfit, determinism, NaN guard, plan vs peak.
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { ALL_LORA_TARGETS, openEngine, planModel, type Engine, type EngineModel, type Quant } from '../../main/engine/engine';
import { sftBatchLoss } from '../../main/host/trainer/sft';
import { makeTiny, randomizeLoraB, rng, type TinySpec } from './tiny';
import { adamw, loraOf } from '../helpers/engine-options';

const ROOT = join(process.cwd(), 'test', '.tmp', `engine-train-${process.pid}`);
const SPECS: Record<string, TinySpec> = {
  llama: { arch: 'llama', llama3Rope: true, seed: 11, hidden: 32, intermediate: 48, vocab: 64 },
  mistral: { arch: 'mistral', kvHeads: 1, seed: 12, hidden: 32, intermediate: 48, vocab: 64 },
  qwen2: { arch: 'qwen2', tied: true, seed: 13, hidden: 32, intermediate: 48, vocab: 64 },
  qwen3: { arch: 'qwen3', headDim: 12, seed: 14, hidden: 32, intermediate: 48, vocab: 64 },
};
const dirs: Record<string, string> = {};
let engine: Engine;

beforeAll(() => {
  engine = openEngine({ threads: 2 });
  for (const [k, spec] of Object.entries(SPECS)) dirs[k] = makeTiny(join(ROOT, k), spec).dir;
  // With the frozen head at init scale, RMSNorm bounds the logits and no adapter can push the loss near 0; a sharper
  // head makes the overfit target reachable.
  dirs.sharp = makeTiny(join(ROOT, 'sharp'), { ...SPECS.llama, headScale: 1 }).dir;
});

const TOKENS = [3, 17, 5, 60, 41, 8, 33, 12, 30, 2, 50, 27];
const TARGETS = [...TOKENS.slice(1), -1];

async function withAdapter(arch: string, quant: Quant, r = 4): Promise<EngineModel> {
  const m = await engine.loadModel(dirs[arch], { quant, maxSeqLen: 32, lora: loraOf({ r, alpha: 8, targets: ALL_LORA_TARGETS, seed: 3 }) });
  // Non-zero B (as after training), so the adapter changes the log-probs and A gets gradients.
  randomizeLoraB(m, 99);
  return m;
}

function seedsFor(n: number): Float32Array {
  const s = new Float32Array(n);
  const rand = rng(5);
  for (let i = 0; i < n; i++) s[i] = TARGETS[i] < 0 ? 0 : rand() * 2 - 1;
  return s;
}

async function loss(m: EngineModel, seeds: Float32Array): Promise<number> {
  const lp = await m.forward({ tokens: TOKENS, targets: TARGETS });
  let s = 0;
  for (let i = 0; i < lp.length; i++) s += seeds[i] * lp[i];
  return s;
}

describe('gradient check (central finite differences, f32 forward, eps 1e-2, tol 3e-3 + 3e-2·|g|)', () => {
  test.each(Object.keys(SPECS).flatMap((a) => (['none', 'nf4', 'int8'] as Quant[]).map((q) => [a, q])))('%s / %s: every LoRA target', async (arch, quant) => {
    const m = await withAdapter(arch, quant as Quant);
    const seeds = seedsFor(TOKENS.length);
    await m.zeroGrad();
    await m.forward({ tokens: TOKENS, targets: TARGETS });
    await m.backward(seeds);
    const rand = rng(7);
    let checked = 0;
    let worst = 0;
    for (const mod of ALL_LORA_TARGETS) {
      for (const which of ['A', 'B'] as const) {
        const layer = checked % 2;
        const grad = m.loraTensor(layer, mod, which === 'A' ? 'dA' : 'dB');
        const p = m.loraTensor(layer, mod, which);
        for (let k = 0; k < 3; k++) {
          const i = Math.floor(rand() * p.length);
          const orig = p[i];
          const eps = 1e-2;
          p[i] = orig + eps;
          m.setLoraTensor(layer, mod, which, p);
          const lp = await loss(m, seeds);
          p[i] = orig - eps;
          m.setLoraTensor(layer, mod, which, p);
          const lm = await loss(m, seeds);
          p[i] = orig;
          m.setLoraTensor(layer, mod, which, p);
          const fd = (lp - lm) / (2 * eps);
          const err = Math.abs(fd - grad[i]);
          worst = Math.max(worst, err / (3e-3 + 3e-2 * Math.abs(grad[i])));
          expect(err, `${arch}/${quant} layer ${layer} ${mod}.${which}[${i}]: fd ${fd} vs ${grad[i]}`).toBeLessThan(3e-3 + 3e-2 * Math.abs(grad[i]));
          checked++;
        }
      }
    }
    expect(checked).toBe(42);
    await m.close();
  });

  test('checkpointing on and off give bit-identical gradients (and batch rows are independent)', async () => {
    for (const arch of Object.keys(SPECS)) {
      const grads: Float32Array[][] = [];
      for (const checkpointing of [true, false]) {
        const m = await withAdapter(arch, 'nf4');
        await m.forward({ tokens: [...TOKENS, ...TOKENS.slice().reverse()], targets: [...TARGETS, ...TARGETS], batch: 2 }, { checkpointing });
        await m.backward(seedsFor(2 * TOKENS.length));
        grads.push(ALL_LORA_TARGETS.flatMap((mod) => [m.loraTensor(0, mod, 'dA'), m.loraTensor(1, mod, 'dB')]));
        await m.close();
      }
      grads[0].forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(grads[1][i])));
    }
  });
});

describe('training behaviour', () => {
  test('forward log-probs equal scoring log-probs; a fresh adapter changes nothing', async () => {
    const m = await engine.loadModel(dirs.qwen3, { maxSeqLen: 32, lora: loraOf({ r: 4, alpha: 8, targets: ALL_LORA_TARGETS }) });
    const lp = await m.forward({ tokens: TOKENS, targets: TARGETS });
    const scored = await m.logprobs(TOKENS, { adapter: false });
    for (let i = 0; i < scored.length; i++) expect(Math.abs(lp[i] - scored[i])).toBeLessThan(1e-5);
    expect(lp[TOKENS.length - 1]).toBe(0);
    await m.close();
  });

  async function sftRun(steps: number, seed: number): Promise<number[]> {
    const m = await engine.loadModel(dirs.sharp, { quant: 'nf4', maxSeqLen: 32, lora: loraOf({ r: 8, alpha: 16, targets: ALL_LORA_TARGETS, seed }) });
    const mask: number[] = TOKENS.map((_, i) => (i >= 4 && i < TOKENS.length - 1 ? 1 : 0)); // "prompt" tokens unsupervised
    const losses: number[] = [];
    for (let s = 0; s < steps; s++) {
      const lp = await m.forward({ tokens: TOKENS, targets: TARGETS, mask });
      const w = mask.reduce((a, b) => a + b, 0);
      let l = 0;
      for (let i = 0; i < lp.length; i++) l -= (mask[i] * lp[i]) / w;
      losses.push(l);
      await m.backward(Float32Array.from(mask, (x) => -x / w));
      const r = await m.step(adamw({ lr: 1e-2, maxGradNorm: 1 }));
      expect(r.skipped).toBe(false);
    }
    await m.close();
    return losses;
  }

  test('SFT overfits a tiny example below 5% of its starting loss; same seed → bit-identical losses', async () => {
    const a = await sftRun(120, 1);
    console.log(JSON.stringify({ sftStart: a[0], sftEnd: a[a.length - 1], every25: a.filter((_, i) => i % 25 === 0).map((x) => +x.toFixed(3)) }));
    expect(a[a.length - 1]).toBeLessThan(0.05 * a[0]);
    const b = await sftRun(120, 1);
    expect(b).toEqual(a);
  });

  test('a poisoned step is skipped and the weights stay finite and unchanged', async () => {
    const m = await withAdapter('mistral', 'none');
    const before = m.loraTensor(0, 'q', 'A');
    const a = m.loraTensor(1, 'up', 'A');
    const saved = Float32Array.from(a);
    a[0] = NaN;
    m.setLoraTensor(1, 'up', 'A', a);
    await m.forward({ tokens: TOKENS, targets: TARGETS });
    await m.backward(seedsFor(TOKENS.length));
    const r = await m.step(adamw({ lr: 1e-2 }));
    expect(r.skipped).toBe(true);
    expect(r.reason).toMatch(/non-finite/);
    expect(Array.from(m.loraTensor(0, 'q', 'A'))).toEqual(Array.from(before));
    m.setLoraTensor(1, 'up', 'A', saved);
    // Nothing accumulated since: skipped, not averaged into NaN.
    expect((await m.step(adamw({ lr: 1e-2 }))).skipped).toBe(true);
    await m.forward({ tokens: TOKENS, targets: TARGETS });
    await m.backward(seedsFor(TOKENS.length));
    const ok = await m.step(adamw({ lr: 1e-2 }));
    expect(ok.skipped).toBe(false);
    expect(Number.isFinite(ok.gradNorm)).toBe(true);
    expect(m.loraTensor(0, 'q', 'A').every(Number.isFinite)).toBe(true);
    await m.close();
  });

  test('training memory plan vs measured peak within 5 percent (checkpointing on and off)', async () => {
    for (const arch of Object.keys(SPECS)) {
      for (const checkpointing of [true, false]) {
        const m = await withAdapter(arch, 'nf4', 8);
        m.resetPeak();
        const B = 2;
        await m.forward({ tokens: [...TOKENS, ...TOKENS], targets: [...TARGETS, ...TARGETS], batch: B }, { checkpointing });
        await m.backward(seedsFor(B * TOKENS.length));
        await m.step(adamw({ lr: 1e-3 }));
        const plan = m.planTrain({ batch: B, seqLen: TOKENS.length, checkpointing });
        // The same plan is available before loading (config + safetensors headers only).
        const before = await planModel(dirs[arch], { quant: 'nf4', lora: loraOf({ r: 8, alpha: 8, targets: ALL_LORA_TARGETS }), batch: B, seqLen: TOKENS.length, mode: 'train', checkpointing });
        expect(before).toEqual(plan);
        const peak = m.memory().peak;
        expect(peak.optimizer).toBe(plan.optimizer);
        expect(Math.abs(peak.total - plan.total) / plan.total, JSON.stringify({ plan, peak })).toBeLessThan(0.05);
        await m.close();
      }
    }
  });

  async function sftSteps(m: EngineModel, from: number, to: number, losses: number[]) {
    const mask = TOKENS.map((_, i) => (i >= 2 && i < TOKENS.length - 1 ? 1 : 0));
    for (let s = from; s < to; s++) {
      // A different "batch" per step (rotated tokens) and a per-step dropout seed, as a trainer would do.
      const k = s % 5;
      const tokens = [...TOKENS.slice(k), ...TOKENS.slice(0, k)];
      const targets = [...tokens.slice(1), -1];
      const lp = await m.forward({ tokens, targets, mask }, { dropoutSeed: 1000 + s });
      const r = sftBatchLoss(lp, mask);
      losses.push(r.loss);
      await m.backward(r.seeds);
      await m.step(adamw({ lr: 5e-3, weightDecay: 0.01, maxGradNorm: 1 }));
    }
  }

  test('save state → load → continue gives the same losses as an uninterrupted run (dropout on); the PEFT adapter reproduces log-probs', async () => {
    const lora = loraOf({ r: 4, alpha: 8, dropout: 0.1, targets: ALL_LORA_TARGETS, seed: 2 });
    const full: number[] = [];
    const a = await engine.loadModel(dirs.qwen2, { quant: 'int8', maxSeqLen: 32, lora });
    await sftSteps(a, 0, 8, full);
    const inMemory = await a.logprobs(TOKENS);
    await a.saveAdapter(join(ROOT, 'peft-after-training'));
    await a.close();

    const resumed: number[] = [];
    const b = await engine.loadModel(dirs.qwen2, { quant: 'int8', maxSeqLen: 32, lora });
    await sftSteps(b, 0, 4, resumed);
    const state = join(ROOT, 'train.state');
    await b.saveState(state, { rng: 4 });
    await b.close();
    const c = await engine.loadModel(dirs.qwen2, { quant: 'int8', maxSeqLen: 32 });
    const restored = await c.loadState(state);
    expect(restored).toEqual({ rng: 4, step: 4 });
    await sftSteps(c, 4, 8, resumed);
    expect(resumed).toEqual(full);
    expect(full[7]).toBeLessThan(full[0]);
    await c.close();

    // `lathe score --adapter` path: a fresh base model + the saved PEFT adapter reproduces the in-memory log-probs.
    const d = await engine.loadModel(dirs.qwen2, { quant: 'int8', maxSeqLen: 32 });
    await d.loadAdapter(join(ROOT, 'peft-after-training'));
    expect(Array.from(await d.logprobs(TOKENS))).toEqual(Array.from(inMemory));
    await d.close();

    // A corrupted state file is refused and leaves the model untouched.
    const bytes = readFileSync(state);
    bytes[100] ^= 0x55;
    writeFileSync(state + '.bad', bytes);
    const e = await engine.loadModel(dirs.qwen2, { quant: 'int8', maxSeqLen: 32 });
    await expect(e.loadState(state + '.bad')).rejects.toMatchObject({ code: 'bad_state', message: expect.stringContaining('checksum') });
    await e.close();
  });

  test('sftBatchLoss: a batch with no supervised tokens is skipped, never NaN', () => {
    const r = sftBatchLoss([-1, -2, -3], [0, 0, 0]);
    expect(r).toMatchObject({ loss: 0, skip: true, supervisedTokens: 0 });
    const s = sftBatchLoss([-1, -2, -3], [0, 1, 1]);
    expect(s.loss).toBeCloseTo(2.5);
    expect(Array.from(s.seeds)).toEqual([0, -0.5, -0.5]);
  });
});
