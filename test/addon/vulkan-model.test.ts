// The whole model on the Vulkan backend against the CPU backend: log-probs and LoRA gradients of every test
// architecture (llama with llama3 RoPE, mistral GQA, qwen2 tied + biases, qwen3 q/k-norm) and every weight dtype
// within 1e-4 relative, a packed row equal to its documents run apart, generation, and a 30-step training curve.
// Runs on lavapipe in CI (LATHE_VULKAN_ALLOW_CPU=1); without a usable device it is skipped loudly, unless
// LATHE_REQUIRE_VULKAN=1 makes that a failure.
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ALL_LORA_TARGETS, openEngine, type Engine, type EngineModel, type Quant } from '../../main/engine/engine';
import { makeTiny, randomizeLoraB, rng, type TinySpec } from './tiny';
import { adamw, loraOf } from '../helpers/engine-options';

const ROOT = join(process.cwd(), 'test', '.tmp', `engine-vulkan-${process.pid}`);
const required = process.env.LATHE_REQUIRE_VULKAN === '1';
const SPECS: Record<string, TinySpec> = {
  llama: { arch: 'llama', llama3Rope: true, seed: 21, hidden: 64, intermediate: 96, vocab: 80 },
  mistral: { arch: 'mistral', kvHeads: 1, seed: 22, hidden: 64, intermediate: 96, vocab: 80 },
  qwen2: { arch: 'qwen2', tied: true, seed: 23, hidden: 64, intermediate: 96, vocab: 80 },
  qwen3: { arch: 'qwen3', headDim: 12, seed: 24, hidden: 48, intermediate: 96, vocab: 80 },
};
const dirs: Record<string, string> = {};
let engine: Engine;
let skipReason = '';

// 37 tokens: not a multiple of any tile size, so every shader's edge handling runs.
const TOKENS = Array.from({ length: 37 }, (_, i) => (i * 29 + 7) % 80);
const TARGETS = [...TOKENS.slice(1), -1];

beforeAll(async () => {
  engine = openEngine({ threads: 2 });
  for (const [k, spec] of Object.entries(SPECS)) dirs[k] = makeTiny(join(ROOT, k), spec).dir;
  try {
    const m = await engine.loadModel(dirs.llama, { device: 'vulkan', maxSeqLen: 8 });
    await m.close();
  } catch (err) {
    skipReason = (err as Error).message;
  }
}, 120_000);

function skipUnlessDevice(ctx: { skip: () => void }): boolean {
  if (!skipReason) return false;
  expect(required, `LATHE_REQUIRE_VULKAN=1 but the Vulkan backend did not start: ${skipReason}`).toBe(false);
  console.warn(`\n${'!'.repeat(100)}\n!!! VULKAN MODEL TESTS SKIPPED: ${skipReason}\n${'!'.repeat(100)}`);
  ctx.skip();
  return true;
}

/** max |a - b| / max |b|: one relative figure per tensor, so near-zero elements do not dominate. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

async function load(arch: string, device: 'cpu' | 'vulkan', quant: Quant, dropout = 0): Promise<EngineModel> {
  const m = await engine.loadModel(dirs[arch], { device, quant, maxSeqLen: 64, lora: loraOf({ r: 4, alpha: 8, targets: ALL_LORA_TARGETS, seed: 3, dropout }) });
  // Non-zero B (as after training), so the adapter changes the log-probs and A gets gradients.
  randomizeLoraB(m, 99);
  return m;
}

function seeds(n: number): Float32Array {
  const s = new Float32Array(n);
  const rand = rng(5);
  for (let i = 0; i < n; i++) s[i] = rand() * 2 - 1;
  return s;
}

describe('Vulkan backend: the whole model against the CPU backend', () => {
  test.for(Object.keys(SPECS).flatMap((a) => (['none', 'nf4', 'int8'] as Quant[]).map((q) => [a, q] as const)))(
    '%s / %s: log-probs and every LoRA gradient within 1e-4 relative', { timeout: 120_000 }, async ([arch, quant], ctx) => {
      if (skipUnlessDevice(ctx)) return;
      const run = async (device: 'cpu' | 'vulkan') => {
        const m = await load(arch, device, quant);
        expect(m.info().backend).toMatch(device === 'cpu' ? /^cpu/ : /^vulkan \(/);
        const scored = await m.logprobs(TOKENS);
        const tokens = [...TOKENS, ...TOKENS.slice().reverse()];
        const targets = [...TARGETS, ...TOKENS.slice().reverse().slice(1), -1];
        await m.zeroGrad();
        const lp = await m.forward({ tokens, targets, batch: 2 });
        await m.backward(seeds(tokens.length).map((s, i) => (targets[i] < 0 ? 0 : s)));
        const grads = ALL_LORA_TARGETS.flatMap((mod) => [0, 1].flatMap((l) => [m.loraTensor(l, mod, 'dA'), m.loraTensor(l, mod, 'dB')]));
        await m.close();
        return { scored, lp, grads };
      };
      const cpu = await run('cpu');
      const gpu = await run('vulkan');
      expect(relErr(gpu.scored, cpu.scored)).toBeLessThan(1e-4);
      expect(relErr(gpu.lp, cpu.lp)).toBeLessThan(1e-4);
      let worst = 0;
      cpu.grads.forEach((g, i) => {
        expect(g.some((x) => x !== 0), `gradient ${i} is all zero`).toBe(true);
        worst = Math.max(worst, relErr(gpu.grads[i], g));
      });
      expect(worst).toBeLessThan(1e-4);
    });

  test('a packed row (positions restart, attention stays per document) equals its documents run apart', async (ctx) => {
    if (skipUnlessDevice(ctx)) return;
    const m = await load('qwen2', 'vulkan', 'nf4');
    const a = TOKENS.slice(0, 20);
    const b = TOKENS.slice(20, 37);
    const packed = await m.forward({
      tokens: [...a, ...b], targets: [...a.slice(1), -1, ...b.slice(1), -1],
      positions: [...a.map((_, i) => i), ...b.map((_, i) => i)], segments: [...a.map(() => 0), ...b.map(() => 1)],
    });
    const apartA = await m.forward({ tokens: a, targets: [...a.slice(1), -1] });
    const apartB = await m.forward({ tokens: b, targets: [...b.slice(1), -1] });
    expect(relErr(packed, [...apartA, ...apartB])).toBeLessThan(1e-5);
    await m.close();
  }, 60_000);

  test('greedy generation with the KV cache gives the CPU backend\'s tokens', async (ctx) => {
    if (skipUnlessDevice(ctx)) return;
    const out: number[][] = [];
    for (const device of ['cpu', 'vulkan'] as const) {
      const m = await load('llama', device, 'none');
      const r = await m.generate(TOKENS.slice(0, 9), { maxNewTokens: 12, temperature: 0 });
      out.push(r.tokens);
      await m.close();
    }
    expect(out[1]).toEqual(out[0]);
  }, 60_000);

  test('the memory plan is the device memory the driver reports (within 3%), and the weights arena measures it', async (ctx) => {
    if (skipUnlessDevice(ctx)) return;
    for (const quant of ['nf4', 'none'] as Quant[]) {
      const m = await load('llama', 'vulkan', quant, 0.1);
      await m.forward({ tokens: [...TOKENS, ...TOKENS], targets: [...TARGETS, ...TARGETS], batch: 2 }, { dropoutSeed: 1 });
      await m.backward(seeds(2 * TOKENS.length));
      await m.step(adamw({ lr: 1e-3 }));
      const plan = m.planTrain({ batch: 2, seqLen: TOKENS.length });
      const mem = m.memory();
      expect(mem.device, 'a GPU backend reports device memory').toBeDefined();
      expect(Math.abs(mem.device!.usedBytes / plan.total - 1), `${quant}: device ${mem.device!.usedBytes} vs plan ${plan.total}`).toBeLessThan(0.03);
      expect(Math.abs(mem.current.weights / plan.weights - 1), `${quant}: weights`).toBeLessThan(0.03);
      await m.close();
    }
  }, 60_000);

  test('30 AdamW steps (dropout on) follow the CPU loss curve', async (ctx) => {
    if (skipUnlessDevice(ctx)) return;
    const curves: number[][] = [];
    for (const device of ['cpu', 'vulkan'] as const) {
      const m = await load('mistral', device, 'nf4', 0.1);
      const losses: number[] = [];
      const mask: number[] = TARGETS.map((t) => (t < 0 ? 0 : 1));
      const n = mask.reduce((s, x) => s + x, 0);
      for (let step = 0; step < 30; step++) {
        const lp = await m.forward({ tokens: TOKENS, targets: TARGETS }, { dropoutSeed: step + 1 });
        losses.push(-lp.reduce((s, x, i) => s + x * mask[i], 0) / n);
        await m.backward(Float32Array.from(mask, (x) => -x / n));
        const r = await m.step(adamw({ lr: 3e-3 }));
        expect(r.skipped).toBe(false);
      }
      curves.push(losses);
      await m.close();
    }
    const [cpu, gpu] = curves;
    expect(cpu.at(-1)!).toBeLessThan(cpu[0] * 0.8);  // it learns
    for (let i = 0; i < cpu.length; i++) expect(Math.abs(gpu[i] - cpu[i]), `step ${i}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(cpu[i])));
  }, 180_000);
});
