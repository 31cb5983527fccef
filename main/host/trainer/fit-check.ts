// "Will it fit?": the engine's memory plan for a training config against the memory this device has free, the
// largest micro-batch and sequence length that would fit, and a time estimate from a short calibration (real steps).
import { checkpointingFor, loraOptions } from './engine-options-from-config';
import type { VulkanDeviceInfo } from '../../api/contract';
import { loadAddon } from '../../engine/addon';
import { parseDevice } from '../../api/device';
import { planModel, type Checkpointing, type MemoryPlan } from '../../engine/engine';
import { PREFERENCE_OBJECTIVES, type TrainingConfig } from '../../api/training-config';
import { BatchSource } from './batches';
import { fitDevice } from './fit-device';
import { freemem } from 'node:os';
import { BUDGET_SHARE } from '../../models/fit';
import { createNativeTrainable, withGeneration } from './native-model';
import { sftSeeds } from './sft';
import { totalStepsFor } from './trainer';
import { loadTrainingData } from './training-data';
import type { FitCheck } from '../../api/run-types';
export type { FitCheck };

/**
 * The engine's training plan for a config at a micro-batch and sequence length. With `storageDtype` the plan comes
 * from config.json alone (a catalog model not downloaded yet); the numbers are the same as for the full folder.
 * `checkpointing` is the trainer's (checkpointingFor: offloaded only on a GPU).
 */
export async function planTraining(config: TrainingConfig, batch: number, seqLen: number, storageDtype?: 'F32' | 'BF16' | 'F16', checkpointing: Checkpointing = true): Promise<MemoryPlan> {
  const lora = loraOptions(config);
  const opts = { quant: config.quant, lora, seqLen, storageDtype, device: parseDevice(config.device, 'device') };
  const train = await planModel(config.model, { ...opts, batch, mode: 'train', checkpointing });
  if (config.objective !== 'grpo') return train;
  // GRPO samples its groups while the previous step's training buffers are still held: both count.
  return withGeneration(train, await planModel(config.model, { ...opts, batch: config.grpoGroupSize, mode: 'generate' }));
}

function vulkanDevices(): VulkanDeviceInfo[] {
  try {
    return loadAddon().probeBackends().vulkanDevices ?? [];
  } catch {
    return [];  // no addon or no loader: the CPU's memory is the one that counts
  }
}

export async function fitCheck(
  config: TrainingConfig,
  /** hostFreeBytes: free system memory (default: the OS's figure), which offloaded activations must fit in too. */
  opts: { calibrate: boolean; runDir?: string; log?: (m: string) => void; vulkanDevices?: VulkanDeviceInfo[]; hostFreeBytes?: number },
): Promise<FitCheck> {
  // Preference objectives score a pair (chosen + rejected) per micro-batch slot: twice the rows.
  // GRPO trains one group of completions per forward.
  const rowsPer = PREFERENCE_OBJECTIVES.includes(config.objective) ? 2 : 1;
  const dev = fitDevice(config.device, opts.vulkanDevices ?? vulkanDevices());
  // The plan of the checkpointing the trainer will use on this device (offloadActivations counts only on a GPU).
  const checkpointing = checkpointingFor(config, dev.kind);
  const planFor = (batch: number, seqLen: number) => planTraining(config, config.objective === 'grpo' ? config.grpoGroupSize : batch * rowsPer, seqLen, undefined, checkpointing);
  const plan = await planFor(config.microBatch, config.seqLen);
  const { freeBytes, budgetBytes } = dev;
  // Offloaded activations live in system memory: a plan that fits the GPU but not the RAM would fail at its first step.
  const hostFree = opts.hostFreeBytes ?? freemem();
  const hostBudget = Math.floor(hostFree * BUDGET_SHARE);
  const fitsBoth = (p: MemoryPlan) => p.total <= budgetBytes && (p.hostActivations ?? 0) <= hostBudget;
  const fits = fitsBoth(plan);
  const hostShort = plan.total <= budgetBytes && !fits;
  let suggestion: FitCheck['suggestion'] = null;
  if (!fits) {
    // Halve the micro-batch first (gradient accumulation keeps the effective batch), then the sequence length.
    search: for (let seqLen = config.seqLen; seqLen >= 64; seqLen = Math.floor(seqLen / 2)) {
      for (let mb = config.microBatch; mb >= 1; mb = Math.floor(mb / 2)) {
        if (fitsBoth(await planFor(mb, seqLen))) {
          suggestion = { microBatch: mb, seqLen };
          break search;
        }
      }
    }
  }
  const gib = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GiB`;
  const result: FitCheck = {
    device: dev.kind,
    deviceName: dev.name,
    plan,
    plannedBytes: plan.total,
    freeBytes,
    totalBytes: dev.totalBytes,
    budgetBytes,
    fits,
    suggestion,
    ...(plan.hostActivations ? { hostBudgetBytes: hostBudget } : {}),
    message: fits
      ? `Fits on ${dev.name}: the run plans ${gib(plan.total)} of the ${gib(budgetBytes)} it may use (${gib(freeBytes)} free)${plan.hostActivations ? `, and ${gib(plan.hostActivations)} of offloaded activations in system memory` : ''}.`
      : hostShort
        ? `Fits on ${dev.name}, but the offloaded activations need ${gib(plan.hostActivations ?? 0)} of system memory and only ${gib(hostBudget)} may be used (${gib(hostFree)} free).${suggestion ? ` microBatch ${suggestion.microBatch} with seqLen ${suggestion.seqLen} would fit both.` : ''} Or turn offloadActivations off if the GPU can hold them.`
      : suggestion
        ? `Does not fit on ${dev.name}: it plans ${gib(plan.total)} but only ${gib(budgetBytes)} is available. microBatch ${suggestion.microBatch} with seqLen ${suggestion.seqLen} would fit.`
        : `Does not fit on ${dev.name}: it plans ${gib(plan.total)} but only ${gib(budgetBytes)} is available, and even microBatch 1 at seqLen 64 does not fit. Use quant nf4, a lower LoRA rank, or free memory.`,
  };
  if (!opts.calibrate || !fits) return result;

  const data = await loadTrainingData(config, opts.runDir ?? '', opts.log ?? (() => {}));
  const source = new BatchSource(data.train, { seqLen: config.seqLen, microBatch: config.microBatch, packing: config.packing, seed: config.seed, padId: data.padId, shuffle: true, group: data.group ?? 1 });
  const totalSteps = totalStepsFor(config, source);
  const model = await createNativeTrainable(config);
  try {
    // Two micro-batches: the first warms caches and the thread pool, the second is timed. Nothing is saved.
    let cursor = { epoch: 0, index: 0 };
    let seconds = 0;
    for (let i = 0; i < 2; i++) {
      const { micro, cursor: next } = source.next(cursor);
      cursor = next;
      const t0 = performance.now();
      await model.forward(micro.batch, { adapter: true, keepForBackward: true });
      await model.backward(sftSeeds(micro.weights, Math.max(1, micro.supervised)));
      await model.zeroGrad();
      seconds = (performance.now() - t0) / 1000;
    }
    const secondsPerStep = seconds * config.gradAccum;
    return { ...result, totalSteps, secondsPerStep, etaSeconds: secondsPerStep * totalSteps, trainExamples: data.train.length };
  } finally {
    await model.close();
  }
}
