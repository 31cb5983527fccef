// Datasets table access: the only code that writes SQL for datasets.
import type { DatasetSummary } from '../api/dataset-types';
import { LatheError } from '../api/errors';
import type { Db } from './db';

interface DatasetRow {
  id: string;
  project_id: string;
  name: string;
  source_path: string;
  source_kind: string;
  format: string;
  total: number;
  valid: number;
  invalid: number;
  duplicates: number;
  raw_sha256: string;
  content_hash: string;
  dir: string;
  options_json: string;
  created_at: string;
}

const toSummary = (r: DatasetRow): DatasetSummary => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  sourcePath: r.source_path,
  sourceKind: r.source_kind,
  format: r.format,
  total: r.total,
  valid: r.valid,
  invalid: r.invalid,
  duplicates: r.duplicates,
  rawSha256: r.raw_sha256,
  contentHash: r.content_hash,
  createdAt: r.created_at,
  options: JSON.parse(r.options_json) as Record<string, unknown>,
});

export type NewDataset = Omit<DatasetSummary, 'createdAt'> & { dir: string; createdAt?: string };

export class DatasetsRepo {
  constructor(private readonly db: Db) {}

  list(projectId?: string): DatasetSummary[] {
    const rows = (projectId
      ? this.db.prepare('SELECT * FROM datasets WHERE project_id = ? ORDER BY created_at DESC, name').all(projectId)
      : this.db.prepare('SELECT * FROM datasets ORDER BY created_at DESC, name').all()) as DatasetRow[];
    return rows.map(toSummary);
  }

  get(id: string): DatasetSummary & { dir: string } {
    const row = this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
    if (!row) throw new LatheError('datasets.notFound', `No dataset with id ${id}.`, 'It may have been deleted; reload the dataset list.');
    return { ...toSummary(row), dir: row.dir };
  }

  insert(d: NewDataset): DatasetSummary {
    this.db
      .prepare(
        `INSERT INTO datasets (id, project_id, name, source_path, source_kind, format, total, valid, invalid, duplicates, raw_sha256, content_hash, dir, options_json, created_at)
         VALUES (@id, @projectId, @name, @sourcePath, @sourceKind, @format, @total, @valid, @invalid, @duplicates, @rawSha256, @contentHash, @dir, @options, @createdAt)`,
      )
      .run({ ...d, options: JSON.stringify(d.options), createdAt: d.createdAt ?? new Date().toISOString() });
    return this.get(d.id);
  }

  rename(id: string, name: string): DatasetSummary {
    this.get(id);
    this.db.prepare('UPDATE datasets SET name = ? WHERE id = ?').run(name, id);
    return this.get(id);
  }

  delete(id: string): void {
    this.get(id);
    this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
  }
}
