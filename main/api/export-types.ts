// Export records as the library keeps them and the Export page lists them.

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
