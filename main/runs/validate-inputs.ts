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
  for (const key of ['dataset', 'validationDataset'] as const) {
    const path = config[key];
    if (path !== undefined && !existsSync(path)) {
      throw new LatheError('data.notFound', `The dataset ${path} does not exist (config key "${key}").`, 'Give the path of a dataset file (JSONL, JSON, CSV, Parquet, text), or the id or name of a dataset imported in the Data step.', { field: key });
    }
  }
  (config.mixture ?? []).forEach((m, i) => {
    if (!existsSync(m.dataset)) {
      throw new LatheError('data.notFound', `The dataset ${m.dataset} does not exist (config key "mixture[${i}].dataset").`, 'Give the path of a dataset file, or the id or name of a dataset imported in the Data step; or remove it from the mixture.', { field: `mixture.${i}.dataset` });
    }
  });
}
