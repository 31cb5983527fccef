// Group generation (GRPO): one prefill, the completions decoding together, and each completion exactly what
// generate() gives with its seed — greedy and sampled, every architecture, with a stop token, on the CPU and on Vulkan.
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ALL_LORA_TARGETS, openEngine, planModel, type Engine, type EngineModel } from '../../main/engine/engine';
import { planTraining } from '../../main/host/trainer/fit-check';
import { resolveTrainingConfig } from '../../main/api/training-config';
import { makeTiny, rng, type TinySpec } from './tiny';
import { loraOf } from '../helpers/engine-options';

const ROOT = join(process.cwd(), 'test', '.tmp', `engine-group-${process.pid}`);
const SPECS: Record<string, TinySpec> = {
  llama: { arch: 'llama', llama3Rope: true, seed: 51, hidden: 32, intermediate: 48, vocab: 64 },
  mistral: { arch: 'mistral', kvHeads: 1, seed: 52, hidden: 32, intermediate: 48, vocab: 64 },
  qwen2: { arch: 'qwen2', tied: true, seed: 53, hidden: 32, intermediate: 48, vocab: 64 },
  qwen3: { arch: 'qwen3', headDim: 12, seed: 54, hidden: 32, intermediate: 48, vocab: 64 },
};
const dirs: Record<string, string> = {};
let engine: Engine;
const PROMPT = [3, 17, 5, 60, 41, 8, 33];
const SEEDS = [11, 12, 13, 14, 15];

beforeAll(() => {
  engine = openEngine({ threads: 2 });
  for (const [k, spec] of Object.entries(SPECS)) dirs[k] = makeTiny(join(ROOT, k), spec).dir;
});

async function load(arch: string, device: 'cpu' | 'vulkan' = 'cpu'): Promise<EngineModel> {
  const m = await engine.loadModel(dirs[arch], { device, quant: 'nf4', maxSeqLen: 40, lora: loraOf({ r: 4, alpha: 8, targets: ALL_LORA_TARGETS, seed: 3 }) });
  const rand = rng(7);
  for (let l = 0; l < 2; l++)
    for (const mod of ALL_LORA_TARGETS) {
      const b = m.loraTensor(l, mod, 'B');
      for (let i = 0; i < b.length; i++) b[i] = (rand() * 2 - 1) * 0.3;
      m.setLoraTensor(l, mod, 'B', b);
    }
  return m;
}

describe('generateGroup', () => {
  test.for(Object.keys(SPECS))('%s: each member equals generate() with its seed (sampled, temperature 1.2)', async (arch) => {
    const m = await load(arch);
    const group = await m.generateGroup(PROMPT, SEEDS, { maxNewTokens: 14, temperature: 1.2 });
    for (let i = 0; i < SEEDS.length; i++) {
      const one = await m.generate(PROMPT, { maxNewTokens: 14, temperature: 1.2, seed: SEEDS[i] });
      expect(group[i], `member ${i}`).toEqual(one);
    }
    // Different seeds give different completions (the members are not copies of one).
    expect(new Set(group.map((g) => g.tokens.join(','))).size).toBeGreaterThan(1);
    await m.close();
  });

  test('a stop token ends one member while the others go on; greedy members agree', async () => {
    const m = await load('llama');
    const free = await m.generateGroup(PROMPT, SEEDS, { maxNewTokens: 12, temperature: 1.5 });
    // Stop at a token one member produced early: that member stops there, the rest match generate() with the stop.
    const stop = free[1].tokens[2];
    const group = await m.generateGroup(PROMPT, SEEDS, { maxNewTokens: 12, temperature: 1.5, stop: [stop] });
    expect(group[1].finishReason).toBe('stop');
    expect(group[1].tokens.at(-1)).toBe(stop);
    for (let i = 0; i < SEEDS.length; i++) expect(group[i]).toEqual(await m.generate(PROMPT, { maxNewTokens: 12, temperature: 1.5, seed: SEEDS[i], stop: [stop] }));
    const greedy = await m.generateGroup(PROMPT, [1, 2, 3], { maxNewTokens: 8, temperature: 0 });
    expect(greedy[1]).toEqual(greedy[0]);
    expect(greedy[2]).toEqual(greedy[0]);
    await m.close();
  });

  test('bad input is a clear error', async () => {
    const m = await load('qwen2');
    await expect(m.generateGroup(PROMPT, [], { maxNewTokens: 4 })).rejects.toMatchObject({ message: expect.stringContaining('1 to 1024 members') });
    await expect(m.generateGroup([3, 99], [1], { maxNewTokens: 4 })).rejects.toMatchObject({ message: expect.stringContaining('outside the vocabulary') });
    await m.close();
  });

  test('on Vulkan, the group equals the CPU backend\'s greedy completions', async (ctx) => {
    let gpu: EngineModel;
    try {
      gpu = await load('mistral', 'vulkan');
    } catch (err) {
      expect(process.env.LATHE_REQUIRE_VULKAN === '1', `LATHE_REQUIRE_VULKAN=1 but: ${(err as Error).message}`).toBe(false);
      ctx.skip();
      return;
    }
    const cpu = await load('mistral');
    const want = await cpu.generateGroup(PROMPT, SEEDS, { maxNewTokens: 10, temperature: 0 });
    expect(await gpu.generateGroup(PROMPT, SEEDS, { maxNewTokens: 10, temperature: 0 })).toEqual(want);
    await gpu.close();
    await cpu.close();
  });

  test('a GRPO run plans the group generation (G KV caches) on top of its training buffers', async () => {
    const sft = resolveTrainingConfig({ model: dirs.llama, dataset: 'x.jsonl', seqLen: 32, microBatch: 1, gradAccum: 1, quant: 'nf4', device: 'cpu' });
    const grpo = { ...sft, objective: 'grpo' as const, grpoGroupSize: 4 };
    const lora = loraOf({ r: sft.loraR, alpha: sft.loraAlpha, targets: sft.loraTargets });
    const one = await planModel(dirs.llama, { quant: 'nf4', lora, batch: 1, seqLen: 32, mode: 'generate' });
    const group = await planModel(dirs.llama, { quant: 'nf4', lora, batch: 4, seqLen: 32, mode: 'generate' });
    expect(group.kvCache).toBe(4 * one.kvCache);
    const diff = (await planTraining(grpo, 4, 32)).total - (await planTraining(sft, 4, 32)).total;
    expect(diff).toBe(group.kvCache + group.activations + group.scratch);
  });
});
