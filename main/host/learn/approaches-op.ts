// The Learn page's "full fine-tuning vs LoRA vs QLoRA" figures in the engine host: the model's real module shapes, the
// exact trainable counts, and memory from the engine's own training plan (planModel, the fit check's numbers).
import { resolveTrainingConfig } from '../../api/training-config';
import { loraOptions } from '../trainer/engine-options-from-config';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { planModel, type MemoryPlan } from '../../engine/engine';
import { parameterCountFromConfig } from '../../models/catalog';
import { summarizeConfig } from '../../models/model-dir';
import { loraParameterCount, moduleShapes } from '../../learn/param-counts';
import type { Approach, ApproachesArgs, ApproachesResult, MemoryParts } from '../../api/learn-types';
export type { ApproachesArgs };

export const PLAN_DEVICE = 'vulkan' as const;

/** Bytes per trainable parameter the engine plans for training state: fp32 gradient, then Adam's two fp32 moments. */
const GRAD_BYTES = 4;
const MOMENT_BYTES = 8;

/** Splits an engine training plan into the parts the chart shows; the parts add up to plan.total exactly. */
export function partsOf(p: MemoryPlan): MemoryParts {
  // plan_train: optimizer = 12 bytes per trainable parameter (gradient + m + v); split it the same way.
  const gradients = (p.optimizer / (GRAD_BYTES + MOMENT_BYTES)) * GRAD_BYTES;
  return {
    weights: p.weights,
    adapter: p.lora,
    gradients,
    optimizer: p.optimizer - gradients,
    activations: p.activations + p.scratch + p.kvCache,
    total: p.total,
  };
}

export async function approachesOp(a: ApproachesArgs): Promise<ApproachesResult> {
  const cfg = JSON.parse(await readFile(join(a.model, 'config.json'), 'utf8')) as Record<string, unknown>;
  const s = summarizeConfig(cfg, join(a.model, 'config.json'));
  const base = parameterCountFromConfig(s);
  const lora = loraOptions(resolveTrainingConfig({ model: a.model, dataset: '(learn demo)', loraR: a.r, loraAlpha: a.r, loraTargets: a.targets }));
  // Planned for a GPU, where every weight must be resident (the CPU backend maps unquantized weights from the file and
  // does not count them): the figure to hold against a graphics card's memory.
  const common = { batch: 1, seqLen: a.seqLen, mode: 'train' as const, storageDtype: a.storageDtype, device: PLAN_DEVICE };
  const frozen = await planModel(a.model, { ...common, quant: 'none' });
  const loraPlan = await planModel(a.model, { ...common, quant: 'none', lora });
  const qloraPlan = await planModel(a.model, { ...common, quant: 'nf4', lora });
  const trainable = loraParameterCount(s, a.r, a.targets);
  // Lathe does not train every weight, so the engine has no full fine-tuning plan. Its weights and activations are the
  // engine's (a backward through every layer holds the same activations), and every base parameter then needs the
  // training state the engine plans for a LoRA parameter: a gradient and two Adam moments.
  const fullAct = partsOf(frozen).activations;
  const full: MemoryParts = { weights: frozen.weights, adapter: 0, gradients: base * GRAD_BYTES, optimizer: base * MOMENT_BYTES, activations: fullAct, total: 0 };
  full.total = full.weights + full.gradients + full.optimizer + full.activations;
  const approaches: Approach[] = [
    { id: 'full', label: 'Full fine-tuning', trainable: base, memory: full, source: 'Weights and activations from the engine plan; gradients (4 bytes) and Adam moments (8 bytes) for every parameter, the rule the engine plans LoRA parameters by. Lathe itself does not train this way.' },
    { id: 'lora', label: `LoRA (r=${a.r})`, trainable, memory: partsOf(loraPlan), source: 'The engine training plan with the base kept as stored.' },
    { id: 'qlora', label: `QLoRA (r=${a.r}, NF4)`, trainable, memory: partsOf(qloraPlan), source: 'The engine training plan with the base quantized to 4-bit NF4 at load.' },
  ];
  return {
    model: a.model, layers: s.layers, hidden: s.hidden, vocab: s.vocab, tied: s.tied, modules: moduleShapes(s), baseParameters: base,
    r: a.r, targets: a.targets, seqLen: a.seqLen, approaches,
  };
}
