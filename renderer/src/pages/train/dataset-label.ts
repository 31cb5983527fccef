// What a run's dataset is called on screen: an imported dataset's name (with its row count), never its id; a file's
// base name otherwise. A run's config holds the dataset's folder (…/datasets/<id>) or the file path the user gave.
import type { DatasetSummary } from '../../../../main/api/contract';

export function datasetOf(configDataset: unknown, datasets: readonly DatasetSummary[] | undefined): DatasetSummary | undefined {
  const last = String(configDataset ?? '').split(/[\\/]/).filter(Boolean).pop() ?? '';
  return datasets?.find((d) => d.id === last || d.id === configDataset);
}

export function datasetLabel(configDataset: unknown, datasets: readonly DatasetSummary[] | undefined): string {
  const d = datasetOf(configDataset, datasets);
  if (d) return `${d.name} (${d.valid.toLocaleString('en-US')} rows)`;
  return String(configDataset ?? '').split(/[\\/]/).filter(Boolean).pop() ?? '';
}
