// Models as the library keeps them, the catalog view with its fit verdicts, and a Hub download's progress: the Model
// step's shapes, shared by the library, the services and the renderer.

export type ModelSourceKind = 'hub' | 'local' | 'demo';

export interface ModelFileRecord {
  name: string;
  size: number;
  sha256: string;
}

export interface LibraryModel {
  id: string;
  name: string;
  source: { kind: ModelSourceKind; repo: string | null; revision: string | null; commit: string | null };
  /** The folder the engine reads: inside <library>/models, or the user's own folder when linked. */
  dir: string;
  /** true: a link to a folder the user keeps elsewhere (deleting the model leaves the folder alone). */
  linked: boolean;
  architecture: string;
  modelType: string;
  parameterCount: number;
  dtype: string;
  sizeBytes: number;
  hasTokenizer: boolean;
  hasChatTemplate: boolean;
  license: string | null;
  files: ModelFileRecord[];
  createdAt: string;
}

/** A run that uses a model, as listed before the model is deleted. */
export interface ModelUse {
  runId: string;
  runName: string;
  status: string;
  projectId: string | null;
}

export type FitVerdict = 'gpu' | 'cpu' | 'none';

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

export interface PullProgress {
  repo: string;
  file: string;
  bytes: number;
  totalBytes: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
  filesDone: number;
  filesTotal: number;
}
