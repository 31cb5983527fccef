// The exports table: each export with its lineage (run, checkpoint), format, files, size and merge-quality figure.
import { randomUUID } from 'node:crypto';
import { LatheError } from '../api/errors';
import type { Db } from './db';
import type { ExportStatus, ExportRecord } from '../api/export-types';
export type { ExportStatus, ExportRecord };

interface Row {
  id: string;
  run_id: string | null;
  checkpoint: number | null;
  source_json: string;
  format: string;
  quant: string | null;
  out_path: string;
  status: ExportStatus;
  files_json: string;
  bytes: number;
  merge_kl: number | null;
  error_json: string | null;
  created_at: string;
  finished_at: string | null;
}

const toRecord = (r: Row): ExportRecord => ({
  id: r.id,
  runId: r.run_id,
  checkpoint: r.checkpoint,
  source: JSON.parse(r.source_json),
  format: r.format,
  quant: r.quant,
  outPath: r.out_path,
  status: r.status,
  files: JSON.parse(r.files_json),
  bytes: r.bytes,
  mergeKL: r.merge_kl,
  error: r.error_json ? JSON.parse(r.error_json) : null,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

export class ExportsRepo {
  constructor(private readonly db: Db) {}

  create(e: { runId: string | null; checkpoint: number | null; source: Record<string, unknown>; format: string; quant: string | null; outPath: string }): ExportRecord {
    const id = `exp-${randomUUID().slice(0, 8)}`;
    this.db
      .prepare('INSERT INTO exports (id, run_id, checkpoint, source_json, format, quant, out_path, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, e.runId, e.checkpoint, JSON.stringify(e.source), e.format, e.quant, e.outPath, 'running', new Date().toISOString());
    return this.get(id);
  }

  finish(id: string, r: { status: ExportStatus; files?: ExportRecord['files']; mergeKL?: number | null; checkpoint?: number | null; error?: ExportRecord['error'] }): ExportRecord {
    const files = r.files ?? [];
    this.db
      .prepare('UPDATE exports SET status = ?, files_json = ?, bytes = ?, merge_kl = ?, checkpoint = COALESCE(?, checkpoint), error_json = ?, finished_at = ? WHERE id = ?')
      .run(r.status, JSON.stringify(files), files.reduce((a, f) => a + f.bytes, 0), r.mergeKL ?? null, r.checkpoint ?? null, r.error ? JSON.stringify(r.error) : null, new Date().toISOString(), id);
    return this.get(id);
  }

  get(id: string): ExportRecord {
    const row = this.db.prepare('SELECT * FROM exports WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new LatheError('exports.notFound', `No export with id ${id}.`, 'Reload the exports list.');
    return toRecord(row);
  }

  list(runId?: string): ExportRecord[] {
    const rows = runId
      ? (this.db.prepare('SELECT * FROM exports WHERE run_id = ? ORDER BY created_at DESC, rowid DESC').all(runId) as Row[])
      : (this.db.prepare('SELECT * FROM exports ORDER BY created_at DESC, rowid DESC').all() as Row[]);
    return rows.map(toRecord);
  }

  /** Exports left 'running' by a crash or a closed app did not finish: mark them failed. */
  failInterrupted(): number {
    return this.db
      .prepare("UPDATE exports SET status = 'failed', error_json = ?, finished_at = ? WHERE status = 'running'")
      .run(JSON.stringify({ code: 'export.interrupted', message: 'Lathe stopped before this export finished; nothing was published.' }), new Date().toISOString()).changes;
  }
}
