// The serializable description of one export (what the UI sends and the engine host runs), and its resolution.
import type { ExportJobArgs, ExportSourceArgs } from '../api/export-types';
import { sourceFromModel, sourceFromRun, type ExportSource } from './export-source';

export type { ExportJobArgs, ExportSourceArgs };

export async function resolveExportSource(s: ExportSourceArgs): Promise<ExportSource> {
  return 'runDir' in s ? sourceFromRun(s.runDir, s.checkpoint ?? 'best') : sourceFromModel(s.model, s.adapter);
}
