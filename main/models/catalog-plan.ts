// Runs in the engine host (or the CLI, its own host): the engine's QLoRA training plan for each catalog model from its
// config.json alone, through the same planTraining() the fit check uses, at the catalog's common settings.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planTraining } from '../host/trainer/fit-check';
import { resolveTrainingConfig } from '../api/training-config';
import type { CatalogPlanArgs, CatalogPlans } from '../api/model-types';

/** QLoRA at the settings most runs start from: rank 16 (alpha 32, every linear module), micro-batch 1. */
export const CATALOG_SETTINGS = { quant: 'nf4' as const, loraR: 16, microBatch: 1, seqLens: [1024, 2048] };

export type { CatalogPlanArgs, CatalogPlans };

export async function planCatalog(args: CatalogPlanArgs): Promise<CatalogPlans> {
  const out: CatalogPlans = {};
  const dir = await mkdtemp(join(tmpdir(), 'lathe-catalog-plan-'));
  try {
    for (const e of args.entries) {
      let folder: string;
      if ('dir' in e) folder = e.dir;
      else {
        folder = join(dir, e.id.replace(/[^\w.-]/g, '_'));
        await mkdir(folder, { recursive: true });
        await writeFile(join(folder, 'config.json'), JSON.stringify(e.config));
      }
      const plans: Record<string, number> = {};
      try {
        for (const seqLen of args.seqLens ?? CATALOG_SETTINGS.seqLens) {
          const config = resolveTrainingConfig({ model: folder, dataset: '(catalog)', quant: CATALOG_SETTINGS.quant, loraR: CATALOG_SETTINGS.loraR, microBatch: CATALOG_SETTINGS.microBatch, seqLen });
          plans[String(seqLen)] = (await planTraining(config, config.microBatch, seqLen, 'dir' in e ? undefined : e.storageDtype)).total;
        }
        out[e.id] = plans;
      } catch (err) {
        if (!('dir' in e)) throw err; // a shipped catalog config that the engine refuses is a bug: say so
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
