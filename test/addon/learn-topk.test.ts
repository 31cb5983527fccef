// The engine's per-position top-k (the Learn page's next-token view) against logprobs(): the true token's log-prob
// from topk equals logprobs() for the same ids, the k best are sorted and their probabilities sum to at most 1, on the
// CPU backend and, where a Vulkan device is usable, on Vulkan too.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type EngineModel } from '../../main/engine/engine';
import { makeTiny } from './tiny';
import { tempDir } from '../helpers/temp-dir';
import { loraOf } from '../helpers/engine-options';

const IDS = Array.from({ length: 23 }, (_, i) => (i * 31 + 5) % 96);
const K = 7;

async function check(model: EngineModel, adapter: boolean): Promise<void> {
  const lp = await model.logprobs(IDS, { adapter });
  const top = await model.topk(IDS, K, { adapter });
  expect(top.ids.length).toBe((IDS.length - 1) * K);
  expect(top.targetLogprobs.length).toBe(IDS.length - 1);
  for (let t = 0; t < IDS.length - 1; t++) {
    expect(Math.abs(top.targetLogprobs[t] - lp[t])).toBeLessThan(1e-4);
    const row = Array.from(top.logprobs.subarray(t * K, (t + 1) * K));
    for (let j = 1; j < K; j++) expect(row[j]).toBeLessThanOrEqual(row[j - 1]);
    expect(row.reduce((s, x) => s + Math.exp(x), 0)).toBeLessThanOrEqual(1 + 1e-5);
    // The best token is at least as likely as the true one; where the true one is listed, its entry is the same number.
    expect(row[0]).toBeGreaterThanOrEqual(top.targetLogprobs[t] - 1e-5);
    const at = Array.from(top.ids.subarray(t * K, (t + 1) * K)).indexOf(IDS[t + 1]);
    if (at >= 0) expect(Math.abs(row[at] - top.targetLogprobs[t])).toBeLessThan(1e-5);
  }
}

describe('engine topk', () => {
  const root = tempDir('lathe-topk-');
  const dir = makeTiny(join(root, 'llama'), { arch: 'llama', seed: 9, vocab: 96 }).dir;
  const engine = openEngine({ threads: 2 });
  let cpu: EngineModel;

  beforeAll(async () => {
    cpu = await engine.loadModel(dir, { maxSeqLen: 64 });
  });
  afterAll(async () => {
    await cpu?.close();
  });

  it('top-1..k and the true token match logprobs() on the CPU, adapter off and on', async () => {
    await check(cpu, false);
    await cpu.initLora(loraOf({ r: 4, alpha: 8, targets: ['q', 'v', 'down'], seed: 3 }));
    // A non-zero B so the adapter changes the numbers the two calls must agree on.
    const B = cpu.loraTensor(0, 'q', 'B').map((_, i) => ((i % 7) - 3) * 0.01);
    cpu.setLoraTensor(0, 'q', 'B', B);
    await check(cpu, true);
  });

  it('rejects a text with nothing to predict and a k out of range', async () => {
    await expect(cpu.topk([1], 3)).rejects.toThrow(/at least 2 tokens/);
    await expect(cpu.topk(IDS, 0)).rejects.toThrow(/k must be/);
  });

  it('gives the same answer on Vulkan when a device is usable', async (ctx) => {
    let vk: EngineModel;
    try {
      vk = await engine.loadModel(dir, { maxSeqLen: 64, device: 'vulkan' });
    } catch (err) {
      if (process.env.LATHE_REQUIRE_VULKAN === '1') throw err;
      ctx.skip();
      return;
    }
    try {
      await check(vk, false);
      const a = await vk.topk(IDS, K, { adapter: false });
      const b = await cpu.topk(IDS, K, { adapter: false });
      for (let i = 0; i < a.targetLogprobs.length; i++) expect(Math.abs(a.targetLogprobs[i] - b.targetLogprobs[i])).toBeLessThan(1e-3);
    } finally {
      await vk.close();
    }
  });
});
