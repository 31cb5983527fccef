// trainEmbeddings: the embedding table and output head train as f32 copies (PEFT modules_to_save). Their gradients
// against central finite differences (tied and untied heads), the Vulkan backend's against the CPU's, the base left
// untouched for "adapter off", the PEFT adapter round trip, exact resume from the state file and an honest plan.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ALL_LORA_TARGETS, openEngine, type Engine, type EngineModel, type TableName } from '../../main/engine/engine';
import { inspectSafetensors } from '../../main/engine/engine';
import { makeTiny, rng, type TinySpec } from './tiny';
import { adamw, loraOf } from '../helpers/engine-options';

const ROOT = join(process.cwd(), 'test', '.tmp', `engine-tables-${process.pid}`);
const SPECS: Record<string, TinySpec> = {
  llama: { arch: 'llama', seed: 41, hidden: 32, intermediate: 48, vocab: 64 },
  qwen2: { arch: 'qwen2', tied: true, seed: 42, hidden: 32, intermediate: 48, vocab: 64 },
};
const dirs: Record<string, string> = {};
let engine: Engine;

beforeAll(() => {
  engine = openEngine({ threads: 2 });
  for (const [k, spec] of Object.entries(SPECS)) dirs[k] = makeTiny(join(ROOT, k), spec).dir;
});

const TOKENS = [3, 17, 5, 60, 41, 8, 33, 12, 30, 2, 50, 27];
const TARGETS = [...TOKENS.slice(1), -1];
const lora = loraOf({ r: 4, alpha: 8, targets: ALL_LORA_TARGETS, seed: 3, trainEmbeddings: true });

function seeds(): Float32Array {
  const rand = rng(5);
  return Float32Array.from(TARGETS, (t) => (t < 0 ? 0 : rand() * 2 - 1));
}

async function weighted(m: EngineModel, s: Float32Array): Promise<number> {
  const lp = await m.forward({ tokens: TOKENS, targets: TARGETS });
  return lp.reduce((acc, x, i) => acc + s[i] * x, 0);
}

describe('trainable embedding table and head', () => {
  test.for(['llama', 'qwen2'])('%s: table gradients match central finite differences', async (arch) => {
    const m = await engine.loadModel(dirs[arch], { quant: 'nf4', maxSeqLen: 32, lora });
    const s = seeds();
    await m.zeroGrad();
    await m.forward({ tokens: TOKENS, targets: TARGETS });
    await m.backward(s);
    const tables: TableName[] = arch === 'qwen2' ? ['embed_tokens'] : ['embed_tokens', 'lm_head'];
    const C = 32;
    let checked = 0;
    const mags: number[] = [];
    for (const table of tables) {
      const g = m.loraTensor(0, table, 'dA');
      const p = m.loraTensor(0, table, 'A');
      // Rows the sequence uses (the lookup's gradient lives there) and rows it does not (the head's alone).
      for (const row of [TOKENS[2], TOKENS[5], 63]) {
        for (const col of [1, 17]) {
          const i = row * C + col;
          const orig = p[i];
          const eps = 1e-2;
          p[i] = orig + eps;
          m.setLoraTensor(0, table, 'A', p);
          const up = await weighted(m, s);
          p[i] = orig - eps;
          m.setLoraTensor(0, table, 'A', p);
          const down = await weighted(m, s);
          p[i] = orig;
          m.setLoraTensor(0, table, 'A', p);
          const fd = (up - down) / (2 * eps);
          expect(Math.abs(fd - g[i]), `${arch} ${table}[${row}, ${col}]: fd ${fd} vs ${g[i]}`).toBeLessThan(3e-3 + 3e-2 * Math.abs(g[i]));
          mags.push(Math.abs(g[i]));
          checked++;
        }
      }
    }
    expect(checked).toBe(6 * tables.length);
    // Not a vacuous pass: the checked gradients are well above the absolute tolerance.
    expect(Math.max(...mags)).toBeGreaterThan(3e-2);
    console.log(`${arch}: table gradient magnitudes ${mags.map((x) => x.toExponential(1)).join(' ')}`);
    await m.close();
  });

  test('training moves the tables, never the base: adapter-off log-probs stay those of the base model', async () => {
    const m = await engine.loadModel(dirs.llama, { quant: 'nf4', maxSeqLen: 32, lora });
    const base = await m.logprobs(TOKENS, { adapter: false });
    const before = m.loraTensor(0, 'embed_tokens', 'A');
    for (let step = 0; step < 3; step++) {
      await m.forward({ tokens: TOKENS, targets: TARGETS });
      await m.backward(seeds().map((x) => -Math.abs(x)));
      await m.step(adamw({ lr: 1e-2, embeddingLr: 1e-2 }));
    }
    const after = m.loraTensor(0, 'embed_tokens', 'A');
    expect(after.some((x, i) => x !== before[i])).toBe(true);
    expect(Array.from(await m.logprobs(TOKENS, { adapter: false }))).toEqual(Array.from(base));
    expect(Array.from(await m.logprobs(TOKENS, { adapter: true }))).not.toEqual(Array.from(base));
    await m.close();
  });

  test('embeddingLr 0 leaves the tables frozen while the adapter trains', async () => {
    const m = await engine.loadModel(dirs.qwen2, { quant: 'nf4', maxSeqLen: 32, lora });
    const before = m.loraTensor(0, 'embed_tokens', 'A');
    await m.forward({ tokens: TOKENS, targets: TARGETS });
    await m.backward(seeds());
    await m.step(adamw({ lr: 1e-2, embeddingLr: 1e-30 }));
    const after = m.loraTensor(0, 'embed_tokens', 'A');
    let moved = 0;
    for (let i = 0; i < after.length; i++) moved = Math.max(moved, Math.abs(after[i] - before[i]));
    expect(moved).toBeLessThan(1e-20);
    await m.close();
  });

  test.for(['llama', 'qwen2'])('%s: a saved adapter carries the tables as PEFT modules_to_save and loads back exactly', async (arch) => {
    const out = mkdtempSync(join(tmpdir(), 'lathe-tables-'));
    const m = await engine.loadModel(dirs[arch], { quant: 'nf4', maxSeqLen: 32, lora });
    await m.forward({ tokens: TOKENS, targets: TARGETS });
    await m.backward(seeds());
    await m.step(adamw({ lr: 1e-2, embeddingLr: 1e-2 }));
    const tuned = await m.logprobs(TOKENS, { adapter: true });
    await m.saveAdapter(out, { baseModel: 'tiny' });
    await m.close();
    const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8')) as { modules_to_save: string[] };
    expect(cfg.modules_to_save).toEqual(['embed_tokens', 'lm_head']);
    const names = (await inspectSafetensors(join(out, 'adapter_model.safetensors'))).tensors.map((t) => t.name);
    expect(names).toContain('base_model.model.model.embed_tokens.weight');
    expect(names).toContain('base_model.model.lm_head.weight');
    const fresh = await engine.loadModel(dirs[arch], { quant: 'nf4', maxSeqLen: 32 });
    const base = await fresh.logprobs(TOKENS, { adapter: false });
    await fresh.loadAdapter(out);
    expect(Array.from(await fresh.logprobs(TOKENS, { adapter: true }))).toEqual(Array.from(tuned));
    expect(Array.from(await fresh.logprobs(TOKENS, { adapter: false }))).toEqual(Array.from(base));
    await fresh.close();
  });

  test('the training state file resumes the tables and their Adam moments exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lathe-tables-state-'));
    const stepOnce = async (m: EngineModel) => {
      await m.forward({ tokens: TOKENS, targets: TARGETS });
      await m.backward(seeds());
      await m.step(adamw({ lr: 1e-2, embeddingLr: 5e-3 }));
    };
    const a = await engine.loadModel(dirs.llama, { quant: 'nf4', maxSeqLen: 32, lora });
    await stepOnce(a);
    await stepOnce(a);
    await a.saveState(join(dir, 'state.bin'), { rng: 7 });
    await stepOnce(a);
    const b = await engine.loadModel(dirs.llama, { quant: 'nf4', maxSeqLen: 32, lora: loraOf({ ...lora, seed: 99 }) });
    expect((await b.loadState(join(dir, 'state.bin'))).rng).toBe(7);
    await stepOnce(b);
    expect(Array.from(b.loraTensor(0, 'lm_head', 'A'))).toEqual(Array.from(a.loraTensor(0, 'lm_head', 'A')));
    expect(Array.from(await b.logprobs(TOKENS))).toEqual(Array.from(await a.logprobs(TOKENS)));
    await a.close();
    await b.close();
  });

  test('the plan counts 16 bytes per table parameter (f32 copy, gradient, Adam m and v)', async () => {
    for (const [arch, tables] of [['llama', 2], ['qwen2', 1]] as const) {
      const off = await engine.loadModel(dirs[arch], { quant: 'nf4', maxSeqLen: 32, lora: loraOf({ ...lora, trainEmbeddings: false }) });
      const on = await engine.loadModel(dirs[arch], { quant: 'nf4', maxSeqLen: 32, lora });
      const p0 = off.planTrain({ batch: 1, seqLen: 12 });
      const p1 = on.planTrain({ batch: 1, seqLen: 12 });
      expect(p1.total - p0.total).toBe(16 * 64 * 32 * tables);
      // And the engine's own accounting after a step agrees with the plan.
      await on.forward({ tokens: TOKENS, targets: TARGETS });
      await on.backward(seeds());
      await on.step(adamw({ lr: 1e-3 }));
      expect(on.memory().current.lora + on.memory().current.optimizer).toBe(p1.lora + p1.optimizer);
      await off.close();
      await on.close();
    }
  });

  test('on the Vulkan backend the table gradients equal the CPU backend\'s (within 1e-4 relative)', async (ctx) => {
    const grads: Float32Array[][] = [];
    for (const device of ['cpu', 'vulkan'] as const) {
      let m: EngineModel;
      try {
        m = await engine.loadModel(dirs.llama, { device, quant: 'nf4', maxSeqLen: 32, lora });
      } catch (err) {
        expect(process.env.LATHE_REQUIRE_VULKAN === '1', `LATHE_REQUIRE_VULKAN=1 but: ${(err as Error).message}`).toBe(false);
        ctx.skip();
        return;
      }
      await m.forward({ tokens: TOKENS, targets: TARGETS });
      await m.backward(seeds());
      grads.push([m.loraTensor(0, 'embed_tokens', 'dA'), m.loraTensor(0, 'lm_head', 'dA')]);
      await m.close();
    }
    for (let t = 0; t < 2; t++) {
      const [c, v] = [grads[0][t], grads[1][t]];
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < c.length; i++) {
        diff = Math.max(diff, Math.abs(c[i] - v[i]));
        scale = Math.max(scale, Math.abs(c[i]));
      }
      expect(scale).toBeGreaterThan(0);
      expect(diff / scale).toBeLessThan(1e-4);
    }
  });
});
