// Checks a run's model and data before its folder is created, so an input error is a clear message and not a failed
// run left in the library.
import { existsSync } from 'node:fs';
import { LatheError } from '../api/errors';
import { readModelDir } from '../models/model-dir';
import type { TrainingConfig } from '../api/training-config';

export async function validateRunInputs(config: TrainingConfig): Promise<void> {
  if (!existsSync(config.model)) {
    throw new LatheError('model.notFound', `The model folder ${config.model} does not exist (config key "model").`, 'Give the folder of a Hugging Face model (config.json, *.safetensors, tokenizer.json), e.g. one listed by the Models step.', { field: 'model' });
  }
  // Parses config.json, the safetensors headers and tokenizer.json, with typed errors naming the file and field.
  const model = await readModelDir(config.model);
  if (!model.hasTokenizer) {
    throw new LatheError('model_tokenizer_missing', `${config.model} has no tokenizer.json (config key "model").`, 'Download tokenizer.json from the model\'s repository into that folder.', { field: 'model' });
  }
  // Every dataset the run reads: the main one, the validation file and each mixture entry, named as the config names it.
  const datasets = [
    { path: config.dataset, key: 'dataset', field: 'dataset', more: '' },
    { path: config.validationDataset, key: 'validationDataset', field: 'validationDataset', more: '' },
    ...(config.mixture ?? []).map((m, i) => ({ path: m.dataset, key: `mixture[${i}].dataset`, field: `mixture.${i}.dataset`, more: '; or remove it from the mixture' })),
  ];
  for (const d of datasets) {
    if (d.path !== undefined && !existsSync(d.path)) {
      throw new LatheError('data.notFound', `The dataset ${d.path} does not exist (config key "${d.key}").`, `Give the path of a dataset file (JSONL, JSON, CSV, Parquet, text), or the id or name of a dataset imported in the Data step${d.more}.`, { field: d.field });
    }
  }
}
