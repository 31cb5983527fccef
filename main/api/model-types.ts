// The model architectures Lathe trains and the summary of a model folder it reads from config.json and the weights:
// shared by the Model step, the catalog, the fit check and the engine host.

export const SUPPORTED_MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'qwen3'] as const;
export type ModelType = (typeof SUPPORTED_MODEL_TYPES)[number];

export interface RopeInfo {
  theta: number;
  /** null, or the scaling block as written (rope_type normalised from legacy `type`). */
  scaling: (Record<string, unknown> & { rope_type: string }) | null;
}

export interface ModelSummary {
  dir: string;
  architecture: string;
  modelType: ModelType;
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  tied: boolean;
  rmsNormEps: number;
  maxPositionEmbeddings: number;
  attentionBias: boolean;
  rope: RopeInfo;
  /** dtype(s) of the weights from the safetensors headers, e.g. "BF16" (or "F32+BF16" when mixed). */
  dtype: string;
  torchDtype: string | null;
  parameterCount: number;
  weightFiles: string[];
  hasTokenizer: boolean;
  hasChatTemplate: boolean;
}

/** The catalog's fit column: what the engine host plans for each entry (models/catalog-plan.ts). */
export interface CatalogPlanArgs {
  /** A catalog config (planned from config.json alone), or a library model folder (planned like the fit check does). */
  entries: ({ id: string; config: Record<string, unknown>; storageDtype: 'F32' | 'BF16' | 'F16' } | { id: string; dir: string })[];
  /** Only these sequence lengths (default: all of CATALOG_SETTINGS.seqLens). */
  seqLens?: number[];
}
/** Planned bytes by entry id, then by sequence length; a folder that cannot be planned (moved, damaged) is left out. */
export type CatalogPlans = Record<string, Record<string, number>>;
