// The file an objective reads when it needs the rows themselves (KTO labels, GRPO answers), not the tokenized cache:
// a file path as given, or, for an imported library dataset folder, the raw file the import kept byte for byte.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LatheError } from '../../api/errors';
import { DATASET_FILES } from '../../data/store';

/** True for an imported dataset's folder (it has the normalized rows the import wrote). */
export function isLibraryDataset(path: string): boolean {
  return statSync(path).isDirectory() && existsSync(join(path, DATASET_FILES.normalized));
}

export function rowsFileOf(path: string, objective: string): string {
  if (!statSync(path).isDirectory()) return path;
  const rawDir = join(path, DATASET_FILES.raw);
  const files = isLibraryDataset(path) && existsSync(rawDir) ? readdirSync(rawDir).filter((f) => statSync(join(rawDir, f)).isFile()) : [];
  if (files.length === 1) return join(rawDir, files[0]);
  throw new LatheError('data.objectiveMismatch', `objective ${objective} reads its rows from one file, but ${path} is ${files.length > 1 ? 'an imported dataset of several files' : 'a folder'}.`, 'Give the path of the dataset file, or import it as a single file.');
}
