// Models table access: the only code that writes SQL for the model library and a project's chosen model.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { LatheError } from '../api/errors';
import type { Db } from './db';
import type { ModelSourceKind, ModelFileRecord, LibraryModel, ModelUse } from '../api/model-library-types';
export type { ModelSourceKind, ModelFileRecord, LibraryModel, ModelUse };

export type NewLibraryModel = Omit<LibraryModel, 'id' | 'createdAt'>;

interface ModelRow {
  id: string;
  name: string;
  source_kind: ModelSourceKind;
  repo: string | null;
  revision: string | null;
  commit_sha: string | null;
  dir: string;
  linked: number;
  architecture: string;
  model_type: string;
  parameter_count: number;
  dtype: string;
  size_bytes: number;
  has_tokenizer: number;
  has_chat_template: number;
  license: string | null;
  files_json: string;
  created_at: string;
}

const toModel = (r: ModelRow): LibraryModel => ({
  id: r.id,
  name: r.name,
  source: { kind: r.source_kind, repo: r.repo, revision: r.revision, commit: r.commit_sha },
  dir: r.dir,
  linked: r.linked === 1,
  architecture: r.architecture,
  modelType: r.model_type,
  parameterCount: r.parameter_count,
  dtype: r.dtype,
  sizeBytes: r.size_bytes,
  hasTokenizer: r.has_tokenizer === 1,
  hasChatTemplate: r.has_chat_template === 1,
  license: r.license,
  files: JSON.parse(r.files_json) as ModelFileRecord[],
  createdAt: r.created_at,
});

export class ModelsRepo {
  constructor(private readonly db: Db) {}

  list(): LibraryModel[] {
    return (this.db.prepare('SELECT * FROM models ORDER BY created_at DESC, name').all() as ModelRow[]).map(toModel);
  }

  get(id: string): LibraryModel {
    const row = this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
    if (!row) throw new LatheError('models.notInLibrary', `No model with id ${id} in the library.`, 'It may have been deleted; reload the model list.');
    return toModel(row);
  }

  findByDir(dir: string): LibraryModel | undefined {
    const row = this.db.prepare('SELECT * FROM models WHERE dir = ?').get(resolve(dir)) as ModelRow | undefined;
    return row ? toModel(row) : undefined;
  }

  findByHub(repo: string, commit: string): LibraryModel | undefined {
    const row = this.db.prepare("SELECT * FROM models WHERE source_kind = 'hub' AND repo = ? AND commit_sha = ?").get(repo, commit) as ModelRow | undefined;
    return row ? toModel(row) : undefined;
  }

  add(m: NewLibraryModel): LibraryModel {
    const id = randomUUID();
    this.db
      .prepare(
        `INSERT INTO models (id, name, source_kind, repo, revision, commit_sha, dir, linked, architecture, model_type, parameter_count, dtype,
           size_bytes, has_tokenizer, has_chat_template, license, files_json, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, m.name, m.source.kind, m.source.repo, m.source.revision, m.source.commit, resolve(m.dir), m.linked ? 1 : 0, m.architecture, m.modelType,
        m.parameterCount, m.dtype, m.sizeBytes, m.hasTokenizer ? 1 : 0, m.hasChatTemplate ? 1 : 0, m.license, JSON.stringify(m.files), new Date().toISOString());
    return this.get(id);
  }

  delete(id: string): void {
    this.get(id);
    this.db.prepare('DELETE FROM models WHERE id = ?').run(id);
  }

  /** Runs whose config names this model, by library id or by its folder (runs made before the library held paths). */
  usedBy(model: LibraryModel): ModelUse[] {
    const rows = this.db.prepare('SELECT id, name, status, project_id, config_json FROM runs ORDER BY created_at').all() as {
      id: string;
      name: string;
      status: string;
      project_id: string | null;
      config_json: string;
    }[];
    const uses: ModelUse[] = [];
    for (const r of rows) {
      let ref: unknown;
      try {
        ref = (JSON.parse(r.config_json) as { model?: unknown }).model;
      } catch {
        continue; // a damaged config names no model we could match; the run page reports the damage itself
      }
      if (typeof ref === 'string' && (ref === model.id || resolve(ref) === model.dir)) uses.push({ runId: r.id, runName: r.name, status: r.status, projectId: r.project_id });
    }
    return uses;
  }

  /** The project's base model (null when none is chosen or it was deleted). */
  forProject(projectId: string): LibraryModel | null {
    const row = this.db.prepare('SELECT model_id FROM projects WHERE id = ?').get(projectId) as { model_id: string | null } | undefined;
    if (!row) throw new LatheError('projects.notFound', `No project with id ${projectId}.`, 'It may have been deleted; reload the project list.');
    return row.model_id ? this.get(row.model_id) : null;
  }

  setForProject(projectId: string, modelId: string | null): void {
    if (modelId) this.get(modelId);
    const r = this.db.prepare('UPDATE projects SET model_id = ?, updated_at = ? WHERE id = ?').run(modelId, new Date().toISOString(), projectId);
    if (r.changes === 0) throw new LatheError('projects.notFound', `No project with id ${projectId}.`, 'It may have been deleted; reload the project list.');
  }
}
