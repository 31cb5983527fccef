// Training config files: YAML with line numbers in syntax errors, then the same validation as every other front door.
import { parseDocument } from 'yaml';
import { LatheError } from '../api/errors';
import { resolveTrainingConfig, type TrainingConfig } from '../api/training-config';

/** Parses YAML text with line numbers in syntax errors, then validates. */
export function parseTrainingConfigYaml(text: string, file = 'config.yaml'): TrainingConfig {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : 'unknown position';
    throw new LatheError('config.yaml', `${file}: ${where}: ${e.message.split('\n')[0]}`, 'Fix the YAML syntax at that line.');
  }
  const value = doc.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LatheError('config.yaml', `${file}: expected a mapping of keys to values at the top level.`, 'Write one `key: value` per line, e.g. `model: ./models/smollm2`.');
  }
  return resolveTrainingConfig(value, file);
}
