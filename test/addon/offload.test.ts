// Activation checkpoints offloaded to host memory (checkpointing: 'offload'): the device keeps two (N, C) slots of the
// residual stream instead of L+1, each layer's input goes to host memory after its forward and comes back before its
// recompute. The arithmetic is the same, so log-probs and every LoRA gradient must be bit-identical to plain
// checkpointing, on the CPU and on Vulkan; the plan drops by exactly the table's bytes, and on Vulkan the driver's
// figure still matches the plan. The Vulkan half runs on lavapipe in CI (LATHE_VULKAN_ALLOW_CPU=1); without a usable
// device it is skipped loudly, unless LATHE_REQUIRE_VULKAN=1 makes that a failure.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ALL_LORA_TARGETS, openEngine, planModel, type Checkpointing, type Engine, type EngineModel } from '../../main/engine/engine';
import { resolveTrainingConfig } from '../../main/api/training-config';
import type { VulkanDeviceInfo } from '../../main/api/contract';
import { fitCheck, planTraining } from '../../main/host/trainer/fit-check';
import { createNativeTrainable } from '../../main/host/trainer/native-model';
import { runTrainingJob } from '../../main/host/trainer/run-job';
import { loadTrainingData } from '../../main/host/trainer/training-data';
import type { StepMetrics } from '../../main/host/trainer/trainer';
import { createRunDir, readMetrics } from '../../main/runs/run-dir';
import { makeTiny, randomizeLoraB, rng } from './tiny';
import { adamw, loraOf } from '../helpers/engine-options';
import { tempDir } from '../helpers/temp-dir';
import { tinyModel } from '../helpers/tiny-model';

const ROOT = join(process.cwd(), 'test', '.tmp', `engine-offload-${process.pid}`);
const required = process.env.LATHE_REQUIRE_VULKAN === '1';
// 5 layers (an odd count: the final residual lands in slot 1), B*T = 2*151 = 302 rows of C = 64.
const L = 5, C = 64, B = 2, T = 151, N = B * T, V = 80;
const LORA = loraOf({ r: 4, alpha: 8, targets: ALL_LORA_TARGETS, seed: 3, dropout: 0.1 });
let dir = '';
let engine: Engine;
let skipReason = '';

const rand = rng(11);
const TOKENS = Array.from({ length: N }, () => Math.floor(rand() * V));
// The last position of each row has no target; a few masked ones in between.
const TARGETS = TOKENS.map((_, i) => ((i + 1) % T === 0 || i % 17 === 5 ? -1 : TOKENS[i + 1]));
const SEEDS = Float32Array.from({ length: N }, () => rand() * 2 - 1);

beforeAll(async () => {
  engine = openEngine({ threads: 2 });
  dir = makeTiny(join(ROOT, 'llama'), { arch: 'llama', layers: L, hidden: C, intermediate: 96, vocab: V, seed: 31 }).dir;
  try {
    const m = await engine.loadModel(dir, { device: 'vulkan', maxSeqLen: 8 });
    await m.close();
  } catch (err) {
    skipReason = (err as Error).message;
  }
}, 120_000);

function skipUnlessVulkan(device: 'cpu' | 'vulkan', ctx: { skip: () => void }): boolean {
  if (device === 'cpu' || !skipReason) return false;
  expect(required, `LATHE_REQUIRE_VULKAN=1 but the Vulkan backend did not start: ${skipReason}`).toBe(false);
  console.warn(`\n${'!'.repeat(100)}\n!!! VULKAN OFFLOAD TESTS SKIPPED: ${skipReason}\n${'!'.repeat(100)}`);
  ctx.skip();
  return true;
}

async function load(device: 'cpu' | 'vulkan'): Promise<EngineModel> {
  const m = await engine.loadModel(dir, { device, maxSeqLen: T, lora: LORA });
  randomizeLoraB(m, 99, L);  // non-zero B, so the adapter changes the log-probs and A gets gradients
  return m;
}

/** One training forward + backward: the log-probs and every LoRA gradient (then zeroed for the next run). */
async function pass(m: EngineModel, checkpointing: Checkpointing): Promise<{ logp: Float32Array; grads: Float32Array[] }> {
  const logp = await m.forward({ tokens: TOKENS, targets: TARGETS, batch: B }, { checkpointing, dropoutSeed: 7 });
  await m.backward(SEEDS);
  const grads: Float32Array[] = [];
  for (let l = 0; l < L; l++)
    for (const mod of ALL_LORA_TARGETS) grads.push(m.loraTensor(l, mod, 'dA'), m.loraTensor(l, mod, 'dB'));
  await m.zeroGrad();
  return { logp, grads };
}

const pad64 = (bytes: number) => Math.ceil(bytes / 64) * 64;

describe('offloaded activation checkpoints', () => {
  test.for(['cpu', 'vulkan'] as const)('%s: log-probs and every LoRA gradient are bit-identical with offload on and off', { timeout: 300_000 }, async (device, ctx) => {
    if (skipUnlessVulkan(device, ctx)) return;
    const m = await load(device);
    expect(m.info().backend.startsWith(device)).toBe(true);
    const on = await pass(m, 'offload');
    const off = await pass(m, true);
    const again = await pass(m, 'offload');  // the host buffer is reused across micro-batches
    expect(on.logp.some((x) => x !== 0)).toBe(true);
    expect(on.grads.every((g) => g.some((x) => x !== 0))).toBe(true);
    expect(on.logp).toEqual(off.logp);
    for (let i = 0; i < on.grads.length; i++) expect(on.grads[i], `gradient ${i}`).toEqual(off.grads[i]);
    expect(again.logp).toEqual(off.logp);
    for (let i = 0; i < on.grads.length; i++) expect(again.grads[i], `gradient ${i}, second pass`).toEqual(off.grads[i]);
    // The same AdamW step after either: the adapters stay equal.
    await m.forward({ tokens: TOKENS, targets: TARGETS, batch: B }, { checkpointing: 'offload', dropoutSeed: 7 });
    await m.backward(SEEDS);
    expect((await m.step(adamw({ lr: 1e-3 }))).skipped).toBe(false);
    await m.close();
  });

  test('the plan: device activations drop by exactly the L+1-2 slots the table no longer holds; the host holds L', async () => {
    const m = await load('cpu');
    const plain = m.planTrain({ batch: B, seqLen: T });
    const offload = m.planTrain({ batch: B, seqLen: T, checkpointing: 'offload' });
    const drop = pad64((L + 1) * N * C * 4) - pad64(2 * N * C * 4);
    expect(plain.activations - offload.activations).toBe(drop);
    expect(plain.total - offload.total).toBe(drop);
    expect({ ...offload, activations: plain.activations, total: plain.total, hostActivations: 0 }).toEqual(plain);
    expect(plain.hostActivations).toBe(0);
    expect(offload.hostActivations).toBe(L * N * C * 4);
    // Without checkpointing every layer's activations stay on the device anyway: nothing to offload there.
    expect(m.planTrain({ batch: B, seqLen: T, checkpointing: false }).hostActivations).toBe(0);
    // The same plan before loading (config + safetensors headers), and on the CPU backend the measured peak follows it.
    expect(await planModel(dir, { lora: LORA, batch: B, seqLen: T, mode: 'train', checkpointing: 'offload' })).toEqual(offload);
    m.resetPeak();
    await m.forward({ tokens: TOKENS, targets: TARGETS, batch: B }, { checkpointing: 'offload' });
    await m.backward(SEEDS);
    await m.step(adamw({ lr: 1e-3 }));
    const peak = m.memory().peak;
    expect(peak.activations).toBe(offload.activations);
    console.log(`offload plan (L=${L}, N=${N}, C=${C}): device activations ${plain.activations} -> ${offload.activations} bytes (-${drop}), total ${plain.total} -> ${offload.total}, host ${offload.hostActivations}`);
    await m.close();
  }, 120_000);

  test('checkpointing must be true, false or \'offload\': anything else is a clear error', async () => {
    const m = await load('cpu');
    for (const bad of ['Offload', 'host', 1, {}] as unknown as Checkpointing[]) {
      expect(() => m.planTrain({ batch: 1, seqLen: 8, checkpointing: bad })).toThrow(/planTrain: checkpointing must be true, false or 'offload' \(got /);
      await expect(m.forward({ tokens: TOKENS.slice(0, 8), targets: TARGETS.slice(0, 8) }, { checkpointing: bad })).rejects.toThrow(/forwardTrain: checkpointing must be true, false or 'offload'/);
      await expect(planModel(dir, { lora: LORA, batch: 1, seqLen: 8, mode: 'train', checkpointing: bad })).rejects.toThrow(/planModel: checkpointing must be true, false or 'offload'/);
    }
    await m.close();
  }, 60_000);

  test('vulkan: the driver-measured device memory still matches the plan (within 3%), and drops with offload', async (ctx) => {
    if (skipUnlessVulkan('vulkan', ctx)) return;
    const used: Record<string, number> = {};
    for (const checkpointing of [true, 'offload'] as const) {
      const m = await load('vulkan');
      await m.forward({ tokens: TOKENS, targets: TARGETS, batch: B }, { checkpointing, dropoutSeed: 1 });
      await m.backward(SEEDS);
      await m.step(adamw({ lr: 1e-3 }));
      const plan = m.planTrain({ batch: B, seqLen: T, checkpointing });
      const mem = m.memory();
      expect(mem.device, 'a GPU backend reports device memory').toBeDefined();
      expect(Math.abs(mem.device!.usedBytes / plan.total - 1), `${checkpointing}: device ${mem.device!.usedBytes} vs plan ${plan.total}`).toBeLessThan(0.03);
      expect(mem.current.activations).toBe(plan.activations);
      used[String(checkpointing)] = mem.device!.usedBytes;
      await m.close();
    }
    const drop = pad64((L + 1) * N * C * 4) - pad64(2 * N * C * 4);
    console.log(`vulkan device memory: ${used.true} -> ${used.offload} bytes (plan drop ${drop})`);
    // The driver's figure drops by the plan's bytes (exactly on lavapipe; a GPU driver may round allocations to pages).
    expect(Math.abs(used.true - used.offload - drop), `measured drop ${used.true - used.offload} vs planned ${drop}`).toBeLessThanOrEqual(64 * 1024);
  }, 300_000);
});

describe('offloadActivations in a training run', () => {
  async function run(device: 'cpu' | 'vulkan', offloadActivations: boolean): Promise<{ losses: (number | null)[]; logs: string[] }> {
    const root = tempDir();
    const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const file = join(root, 'sft.jsonl');
    const rows = Array.from({ length: 16 }, (_, i) => JSON.stringify({ instruction: `Add ${i} and ${i + 3}.`, output: `${i} plus ${i + 3} is ${2 * i + 3}.` }));
    writeFileSync(file, rows.join('\n') + '\n');
    const config = resolveTrainingConfig({
      model, dataset: file, quant: 'none', seqLen: 48, microBatch: 2, gradAccum: 2, maxSteps: 4, learningRate: 3e-3, warmupSteps: 1, loraDropout: 0.1,
      evalEvery: 0, checkpointEverySteps: 0, checkpointEveryMinutes: 0, validationFraction: 0, threads: 2, device, offloadActivations,
    });
    const runDir = join(root, 'run');
    await createRunDir(runDir, config, { id: 'offload', name: 'offload', projectId: null, createdAt: new Date().toISOString() });
    const logs: string[] = [];
    const r = await runTrainingJob(runDir, { loadData: loadTrainingData, createModel: createNativeTrainable, onLog: (m) => logs.push(m) });
    expect(r.status, logs.join('\n')).toBe('completed');
    const losses = (readMetrics(runDir) as unknown as StepMetrics[]).filter((m) => m.step > 0).map((m) => m.loss);
    expect(losses.every((x) => typeof x === 'number' && Number.isFinite(x))).toBe(true);
    expect(losses.length).toBe(4);
    return { losses, logs };
  }

  test.for(['cpu', 'vulkan'] as const)('%s: the same losses with offloadActivations on and off', { timeout: 300_000 }, async (device, ctx) => {
    if (skipUnlessVulkan(device, ctx)) return;
    const off = await run(device, false);
    const on = await run(device, true);
    expect(on.losses).toEqual(off.losses);
    expect(off.logs.some((l) => l.startsWith('offloadActivations'))).toBe(false);
    const note = on.logs.find((l) => l.startsWith('offloadActivations'));
    expect(note).toBe(device === 'cpu'
      ? 'offloadActivations: no effect on the CPU (its activations are already in system memory)'
      : 'offloadActivations: each layer\'s input waits in system memory between forward and backward (one download and one upload per layer per micro-batch)');
  });
});

describe('offloadActivations in the fit check', () => {
  const gpu = (budgetBytes: number): VulkanDeviceInfo => ({
    index: 0, name: 'Test GPU', type: 'discrete', vramBytes: budgetBytes, budgetBytes, apiVersion: '1.3.0', driverName: 'test', driverInfo: '', driverVersion: 1,
    subgroupSize: 32, sharedMemoryBytes: 49152, cooperativeMatrix: { nv: false, khr: false }, fp16: true, usable: true,
  });

  test('on a GPU the fit check plans the offloaded checkpoints, which can decide the fit; on the CPU it plans without them', async () => {
    const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const base = { model, dataset: 'unused.jsonl', quant: 'none' as const, seqLen: 2048, microBatch: 2 };
    const vk = resolveTrainingConfig({ ...base, device: 'vulkan' });
    const plain = await planTraining(vk, 2, 2048);
    const offload = await planTraining(vk, 2, 2048, undefined, 'offload');
    expect(offload.total).toBeLessThan(plain.total);
    expect(offload.hostActivations).toBeGreaterThan(0);
    // A GPU whose usable share (90%) lies between the two plans: only the offloaded run fits.
    const devices = [gpu(Math.floor((plain.total + offload.total) / 2 / 0.9))];
    const without = await fitCheck(vk, { calibrate: false, vulkanDevices: devices });
    expect(without.device).toBe('vulkan');
    expect(without.plan).toEqual(plain);
    expect(without.fits).toBe(false);
    const withOffload = await fitCheck(resolveTrainingConfig({ ...base, device: 'vulkan', offloadActivations: true }), { calibrate: false, vulkanDevices: devices });
    expect(withOffload.plan).toEqual(offload);
    expect(withOffload.fits).toBe(true);
    expect(withOffload.message).toMatch(/, and 0\.\d\d GiB of offloaded activations in system memory\.$/);
    // The offloaded activations must fit in system memory too: with just their size free (the run may use a share of
    // it), the check says so and finds a micro-batch whose plan fits the GPU and the RAM.
    const short = await fitCheck(resolveTrainingConfig({ ...base, device: 'vulkan', offloadActivations: true }), { calibrate: false, vulkanDevices: devices, hostFreeBytes: offload.hostActivations });
    expect(short.fits).toBe(false);
    expect(short.message).toMatch(/^Fits on Test GPU, but the offloaded activations need 0\.\d\d GiB of system memory and only 0\.\d\d GiB may be used/);
    expect(short.suggestion).toEqual({ microBatch: 1, seqLen: 2048 });
    expect(short.message).toContain('microBatch 1 with seqLen 2048 would fit both.');
    // The form shows the RAM the offloaded activations may use (85% of what is free).
    expect(short.hostBudgetBytes).toBe(Math.floor(offload.hostActivations! * 0.85));
    expect(withOffload.hostBudgetBytes).toBeGreaterThan(0);
    expect(without.hostBudgetBytes).toBeUndefined();
    // The CPU: nothing to offload to, so the plan is the plain one.
    const cpu = await fitCheck(resolveTrainingConfig({ ...base, device: 'cpu', offloadActivations: true }), { calibrate: false });
    expect(cpu.device).toBe('cpu');
    expect(cpu.plan).toEqual(await planTraining(resolveTrainingConfig({ ...base, device: 'cpu' }), 2, 2048));
    expect(cpu.plan.hostActivations).toBe(0);
  }, 120_000);
});
