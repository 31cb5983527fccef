// What the catalog shows for this machine: each entry with its plan at the common QLoRA settings and the fit verdict.
import type { FitVerdict } from './fit';

export interface CatalogRow {
  id: string;
  name: string;
  repo: string;
  revision: string;
  license: string;
  gated: boolean;
  chatTemplate: boolean;
  configSource: 'confirmed' | 'reconstructed';
  architecture: string;
  modelType: string;
  parameterCount: number;
  weightBytes: number;
  contextLength: number;
  /** One per catalog sequence length: the engine's planned bytes and where that fits. */
  plans: { seqLen: number; plannedBytes: number; fit: FitVerdict }[];
  /** The library model pulled from this repo, when there is one. */
  libraryId: string | null;
}

export interface CatalogView {
  settings: { quant: string; loraR: number; microBatch: number; seqLens: number[] };
  machine: { freeBytes: number; gpus: { name: string; memoryBytes: number }[] };
  entries: CatalogRow[];
}
