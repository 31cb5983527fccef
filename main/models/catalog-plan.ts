// Runs in the engine host (or the CLI, its own host): the engine's QLoRA training plan for each catalog model from its
// config.json alone, through the same planTraining() the fit check uses, at the catalog's common settings.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planTraining } from '../host/trainer/fit-check';
import { resolveTrainingConfig } from '../training/config';

/** QLoRA at the settings most runs start from: rank 16 (alpha 32, every linear module), micro-batch 1. */
export const CATALOG_SETTINGS = { quant: 'nf4' as const, loraR: 16, microBatch: 1, seqLens: [1024, 2048] };

export interface CatalogPlanArgs {
  entries: { id: string; config: Record<string, unknown>; storageDtype: 'F32' | 'BF16' | 'F16' }[];
}
/** Planned bytes by entry id, then by sequence length. */
export type CatalogPlans = Record<string, Record<string, number>>;

export async function planCatalog(args: CatalogPlanArgs): Promise<CatalogPlans> {
  const out: CatalogPlans = {};
  const dir = await mkdtemp(join(tmpdir(), 'lathe-catalog-plan-'));
  try {
    for (const e of args.entries) {
      const folder = join(dir, e.id.replace(/[^\w.-]/g, '_'));
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, 'config.json'), JSON.stringify(e.config));
      out[e.id] = {};
      for (const seqLen of CATALOG_SETTINGS.seqLens) {
        const config = resolveTrainingConfig({ model: folder, dataset: '(catalog)', quant: CATALOG_SETTINGS.quant, loraR: CATALOG_SETTINGS.loraR, microBatch: CATALOG_SETTINGS.microBatch, seqLen });
        out[e.id][String(seqLen)] = (await planTraining(config, config.microBatch, seqLen, e.storageDtype)).total;
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
