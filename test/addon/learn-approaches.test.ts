// The Learn page's full vs LoRA vs QLoRA figures equal the engine's own training plan: for three real model shapes
// (SmolLM2-135M, Qwen3-0.6B, Llama-3.1-8B, planned from their config.json alone) at two ranks, the trainable count is
// the engine's LoRA parameter count and every memory part adds up to the engine plan's total.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_LORA_TARGETS, planModel, type LoraTarget } from '../../main/engine/engine';
import { PLAN_DEVICE, approachesOp, partsOf } from '../../main/host/learn/approaches-op';
import { loadCatalog } from '../../main/models/catalog';
import { tempDir } from '../helpers/temp-dir';
import { loraOf } from '../helpers/engine-options';

const IDS = ['smollm2-135m-instruct', 'qwen3-0.6b', 'llama-3.1-8b-instruct'];
const RANKS = [8, 64];
const SEQ = 1024;

describe('learn: full fine-tuning vs LoRA vs QLoRA', () => {
  const root = tempDir('lathe-learn-plan-');
  const catalog = loadCatalog();

  for (const id of IDS) {
    for (const r of RANKS) {
      const targets: LoraTarget[] = r === 8 ? ALL_LORA_TARGETS : ['q', 'v'];
      it(`${id} at r=${r} (${targets.join(',')}): counts and memory are the engine plan's`, async () => {
        const e = catalog.find((x) => x.id === id)!;
        const dir = join(root, `${id}-${r}`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'config.json'), JSON.stringify(e.configJson));
        const res = await approachesOp({ model: dir, r, targets, seqLen: SEQ, storageDtype: e.storageDtype });
        const lora = loraOf({ r, alpha: r, targets });
        const common = { batch: 1, seqLen: SEQ, mode: 'train' as const, storageDtype: e.storageDtype, device: PLAN_DEVICE };
        const plans = {
          lora: await planModel(dir, { ...common, quant: 'none', lora }),
          qlora: await planModel(dir, { ...common, quant: 'nf4', lora }),
          frozen: await planModel(dir, { ...common, quant: 'none' }),
        };
        const byId = Object.fromEntries(res.approaches.map((a) => [a.id, a]));
        // The engine keeps 4 bytes of fp32 master per LoRA parameter: its lora arena / 4 is its count.
        expect(byId.lora.trainable).toBe(plans.lora.lora / 4);
        expect(byId.qlora.trainable).toBe(plans.qlora.lora / 4);
        expect(byId.full.trainable).toBe(e.parameterCount);
        for (const k of ['lora', 'qlora'] as const) {
          const m = byId[k].memory;
          expect(m).toEqual(partsOf(plans[k]));
          expect(m.weights + m.adapter + m.gradients + m.optimizer + m.activations).toBe(plans[k].total);
          expect(m.gradients).toBe(byId[k].trainable * 4);
          expect(m.optimizer).toBe(byId[k].trainable * 8);
        }
        expect(byId.full.memory.weights).toBe(plans.frozen.weights);
        expect(byId.full.memory.gradients).toBe(e.parameterCount * 4);
        // QLoRA's point: the frozen base is far smaller, and LoRA trains a tiny fraction of the weights.
        expect(byId.qlora.memory.weights).toBeLessThan(byId.lora.memory.weights / 2);
        expect(byId.lora.trainable).toBeLessThan(e.parameterCount / 20);
        expect(res.modules).toHaveLength(7);
        expect(res.layers).toBe(e.configJson.num_hidden_layers);
      });
    }
  }
});
