// A run on several datasets: each is loaded like a single-dataset run (its own template, split and report), then one
// epoch is laid out with planMixture so each dataset holds exactly its weighted share of the training examples.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatShares, planMixture } from '../../data/mixture';
import type { TrainingConfig } from '../../api/training-config';
import type { JobData } from './run-job';

type LoadOne = (config: TrainingConfig, runDir: string, log: (m: string) => void, reportName?: string) => Promise<JobData>;

/** The file in the run folder with each dataset's share (asked and delivered) and its example counts. */
export const MIXTURE_REPORT = 'mixture.json';

export async function loadMixture(config: TrainingConfig, runDir: string, log: (m: string) => void, loadOne: LoadOne): Promise<JobData> {
  const entries = [
    { dataset: config.dataset, weight: config.datasetWeight, chatTemplate: config.chatTemplate },
    ...(config.mixture ?? []).map((m) => ({ ...m, chatTemplate: m.chatTemplate ?? config.chatTemplate })),
  ];
  const parts: JobData[] = [];
  for (const [k, e] of entries.entries()) {
    // A separate validation file is the whole run's: loaded once, below, not once per dataset.
    const one: TrainingConfig = { ...config, dataset: e.dataset, chatTemplate: e.chatTemplate, mixture: undefined, validationDataset: undefined, ...(config.validationDataset ? { validationFraction: 0 } : {}) };
    parts.push(await loadOne(one, runDir, log, k === 0 ? undefined : `data-report-${k + 1}.json`));
  }
  const group = parts[0].group ?? 1;
  // Preference pairs stay whole: the plan draws pairs, not single sequences.
  const plan = planMixture(entries.map((e, k) => ({ name: e.dataset, size: parts[k].train.length / group, weight: e.weight })), { seed: config.seed });
  const train = plan.order.flatMap(([k, i]) => parts[k].train.slice(i * group, (i + 1) * group));
  let validation = parts.flatMap((p) => p.validation);
  if (config.validationDataset) validation = (await loadOne({ ...config, mixture: undefined, dataset: config.validationDataset, validationDataset: undefined, validationFraction: 0 }, '', log)).train;
  log(`mixture of ${entries.length} datasets, ${plan.order.length} ${group === 2 ? 'pairs' : 'examples'} per epoch:`);
  for (const line of formatShares(plan.shares)) log(line);
  if (runDir) await writeFile(join(runDir, MIXTURE_REPORT), JSON.stringify({ shares: plan.shares, validation: parts.map((p, k) => ({ name: entries[k].dataset, examples: p.validation.length / group })) }, null, 2));
  return { train, validation, padId: parts[0].padId, group, ...(parts[0].probe ? { probe: parts[0].probe } : {}) };
}
