// Where an error in the New run form is shown: at the base model or dataset field, at an Advanced setting (in words
// about that setting), or by the Start button when it names no field the form has.
import { ApiError } from '../../api/errors';
import { PRIMARY_KEYS, configKeyOf, type ConfigField } from './config-form';

/** An error and the config key of the field it is about (none: about the run as a whole). */
export interface FormErrorAt {
  key?: string;
  error: ApiError;
}

/** The two choices a run cannot start without: said next to their fields, before anything is sent. */
export function missingChoice(model: string, dataset: string): FormErrorAt | undefined {
  if (!model.trim()) return { key: 'model', error: new ApiError('form.required', 'Choose a base model first.', 'Pick one in the Model step, or type the folder of a Hugging Face model.') };
  if (!dataset.trim()) return { key: 'dataset', error: new ApiError('form.required', 'Choose a dataset first.', "Pick one of the project's datasets below, or type the path of a dataset file.") };
  return undefined;
}

/** The element an error's key is shown at: the base model and dataset inputs, or an Advanced setting's input. */
export function fieldElementId(key: string): string {
  return key === 'model' ? 'run-model' : key === 'dataset' ? 'run-dataset' : `cfg-${key}`;
}

/**
 * A server error placed at the field it names ("config.loraR", or "loraR" from a config check in the engine host),
 * and said in words about it: "LoRA rank (r): must be at most 512".
 */
export function serverErrorAt(err: ApiError, fields: readonly ConfigField[]): FormErrorAt {
  const key = configKeyOf(err.field, ['model', 'dataset', ...fields.map((f) => f.key)]);
  const label = key === 'model' ? 'Base model folder' : key === 'dataset' ? 'Dataset file' : fields.find((f) => f.key === key)?.label;
  return { key, error: label && err.fieldMessage ? new ApiError(err.code, `${label}: ${err.fieldMessage}`, err.hint) : err };
}

/** Which part of the form shows the error. One the form has no field for (or none named) goes by the Start button. */
export function errorSlots(error: FormErrorAt | undefined, fields: readonly ConfigField[]): { model?: ApiError; dataset?: ApiError; advanced?: { key: string; error: ApiError }; general?: ApiError } {
  if (!error) return {};
  const key = error.key;
  const known = !!key && (PRIMARY_KEYS.has(key) || fields.some((f) => f.key === key));
  return {
    model: key === 'model' ? error.error : undefined,
    dataset: key === 'dataset' ? error.error : undefined,
    advanced: key && !PRIMARY_KEYS.has(key) ? { key, error: error.error } : undefined,
    general: known ? undefined : error.error,
  };
}
