// The serializable description of one export (what the UI sends and the engine host runs), and its resolution.
import type { ExportFormat, ExportQuant } from './export-job';
import { sourceFromModel, sourceFromRun, type ExportSource } from './export-source';

export type ExportSourceArgs = { runDir: string; checkpoint?: number | 'best' | 'final' } | { model: string; adapter?: string };

export interface ExportJobArgs {
  source: ExportSourceArgs;
  format: ExportFormat;
  quant?: ExportQuant;
  out: string;
  force?: boolean;
  system?: string;
  separateAdapter?: boolean;
  /** Measure the merge-quality KL (needs validation rows: a run source). Default true. */
  kl?: boolean;
}

export async function resolveExportSource(s: ExportSourceArgs): Promise<ExportSource> {
  return 'runDir' in s ? sourceFromRun(s.runDir, s.checkpoint ?? 'best') : sourceFromModel(s.model, s.adapter);
}
