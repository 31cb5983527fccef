// A whole training run on the Vulkan backend through the engine host: it follows the CPU run's loss curve, and a
// run killed with SIGKILL mid-way resumes to exactly the uninterrupted Vulkan run's losses (the Vulkan ops are
// deterministic: fixed reduction orders, no atomics). On lavapipe in CI; skipped loudly without a usable device
// unless LATHE_REQUIRE_VULKAN=1.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAddon } from '../../main/engine/addon';
import { resolveTrainingConfig, type TrainingConfig } from '../../main/api/training-config';
import { readMetrics } from '../../main/runs/run-dir';
import { hostJobs, killHostAtStep, requireHostBuild } from '../helpers/host-jobs';
import { tempDir } from '../helpers/temp-dir';
import { tinyModel } from '../helpers/tiny-model';

const root = tempDir('lathe-vk-train-');
const required = process.env.LATHE_REQUIRE_VULKAN === '1';
let config: TrainingConfig;
let skipReason = '';

beforeAll(async () => {
  requireHostBuild();
  const devices = loadAddon().probeBackends().vulkanDevices ?? [];
  if (!devices.some((d) => d.usable)) skipReason = devices.length ? `no usable Vulkan device (${devices.map((d) => `${d.name}: ${d.reason}`).join('; ')})` : 'no Vulkan device or no Vulkan backend in this build';
  const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 128, seed: 11 });
  const rows = readFileSync('assets/demo/contacts-sft.jsonl', 'utf8').split('\n').filter(Boolean).slice(0, 40);
  writeFileSync(join(root, 'data.jsonl'), rows.join('\n') + '\n');
  // split: the demo rows' answers run past 96 synthetic-tokenizer tokens, so truncate would leave them out; pieces fill
  // every row, as the memory-plan check needs.
  config = resolveTrainingConfig({ model, dataset: join(root, 'data.jsonl'), seqLen: 96, lengthPolicy: 'split', microBatch: 2, gradAccum: 2, maxSteps: 12, warmupSteps: 2, learningRate: 0.003, evalEvery: 4, checkpointEverySteps: 3, checkpointEveryMinutes: 0, loraDropout: 0.1, quant: 'nf4', keepCheckpoints: 2, threads: 1, device: 'vulkan' });
});

const jobs = (name: string) => hostJobs(root, name);

const losses = (runDir: string) => readMetrics(runDir).filter((m) => (m.step as number) > 0).map((m) => [m.step as number, m.loss as number, (m.evalLoss as number | undefined) ?? null] as const);

function skipUnlessDevice(ctx: { skip: () => void }): boolean {
  if (!skipReason) return false;
  expect(required, `LATHE_REQUIRE_VULKAN=1 but ${skipReason}`).toBe(false);
  console.warn(`\n${'!'.repeat(100)}\n!!! VULKAN TRAINING RUN SKIPPED: ${skipReason}\n${'!'.repeat(100)}`);
  ctx.skip();
  return true;
}

describe('training run on the Vulkan backend', () => {
  let reference: ReturnType<typeof losses> = [];

  it('completes on the GPU and follows the CPU run step for step', async (ctx) => {
    if (skipUnlessDevice(ctx)) return;
    const curves: ReturnType<typeof losses>[] = [];
    for (const device of ['cpu', 'vulkan']) {
      const j = jobs(`ref-${device}`);
      const run = await j.create({ ...config, device }, { name: device });
      await j.idle();
      const done = j.get(run.id)!;
      expect(done.status, done.error?.message).toBe('completed');
      expect(readFileSync(join(done.runDir, 'log.txt'), 'utf8')).toMatch(device === 'cpu' ? /engine: cpu \(/ : /engine: vulkan \(/);
      curves.push(losses(done.runDir));
    }
    const [cpu, gpu] = curves;
    reference = gpu;
    expect(gpu.map((r) => r[0])).toEqual(cpu.map((r) => r[0]));
    expect(gpu.at(-1)![1]).toBeLessThan(gpu[0][1]);
    gpu.forEach((r, i) => expect(Math.abs(r[1] - cpu[i][1]), `step ${r[0]}`).toBeLessThan(2e-3 * Math.max(1, cpu[i][1])));
  }, 300_000);

  it('resumes exactly after kill -9 on the GPU', async (ctx) => {
    if (skipUnlessDevice(ctx)) return;
    const j = jobs('killed');
    const run = await j.create(config, { name: 'killed' });
    const at = 5 + Math.floor(Math.random() * 4);
    await killHostAtStep(j, run.id, at);
    expect(j.get(run.id)!.status, `killed at step ${at}`).toBe('interrupted');
    j.resume(run.id);
    await j.idle();
    const done = j.get(run.id)!;
    expect(done.status).toBe('completed');
    expect(readFileSync(join(done.runDir, 'log.txt'), 'utf8')).toContain('resuming from checkpoint');
    expect(losses(done.runDir)).toEqual(reference);
  }, 300_000);
});
