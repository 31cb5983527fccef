// Export records as the library keeps them and the Export page lists them, and one export's description (what the UI
// sends and the engine host runs) with its result.
import type { ExportFormat, ExportQuant } from './export-formats';

export type ExportStatus = 'running' | 'completed' | 'failed' | 'cancelled';

export interface ExportRecord {
  id: string;
  runId: string | null;
  checkpoint: number | null;
  source: Record<string, unknown>;
  format: string;
  quant: string | null;
  outPath: string;
  status: ExportStatus;
  files: { path: string; bytes: number; sha256: string }[];
  bytes: number;
  mergeKL: number | null;
  error: { code: string; message: string; hint?: string } | null;
  createdAt: string;
  finishedAt: string | null;
}

/** Where an export's weights come from: a run folder (one of its checkpoints) or a model folder with an optional adapter. */
export type ExportSourceArgs = { runDir: string; checkpoint?: number | 'best' | 'final' } | { model: string; adapter?: string };

export interface ExportJobArgs {
  source: ExportSourceArgs;
  format: ExportFormat;
  quant?: ExportQuant;
  out: string;
  force?: boolean;
  /** Ollama: system prompt for the Modelfile, and base + adapter GGUF instead of one merged GGUF. */
  system?: string;
  separateAdapter?: boolean;
  /** Measure the merge-quality KL (needs validation rows: a run source). Default true. */
  kl?: boolean;
}

export interface ExportedFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface ExportResult {
  format: ExportFormat;
  quant: ExportQuant | null;
  files: ExportedFile[];
  mergeKL?: number;
}
