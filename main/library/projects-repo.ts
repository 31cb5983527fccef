// Projects table access: the only code that writes SQL for projects. Each project is mirrored in projects/<id>.json
// beside the database, so `lathe library rebuild` can restore it.
import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Project } from '../api/contract';
import { LatheError } from '../api/errors';
import type { Db } from './db';
import { libraryRootOf } from './paths';

interface ProjectRow {
  id: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
}

const toProject = (r: ProjectRow): Project => ({
  id: r.id,
  name: r.name,
  description: r.description,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class ProjectsRepo {
  constructor(private readonly db: Db) {}

  list(): Project[] {
    const rows = this.db.prepare('SELECT * FROM projects ORDER BY updated_at DESC, name').all() as ProjectRow[];
    return rows.map(toProject);
  }

  get(id: string): Project {
    const row = this.db.prepare('SELECT * FROM projects WHERE id = ?').get(id) as ProjectRow | undefined;
    if (!row) throw new LatheError('projects.notFound', `No project with id ${id}.`, 'It may have been deleted; reload the project list.');
    return toProject(row);
  }

  findByName(name: string): Project | undefined {
    const row = this.db.prepare('SELECT * FROM projects WHERE name = ? COLLATE NOCASE').get(name) as ProjectRow | undefined;
    return row ? toProject(row) : undefined;
  }

  create(name: string, description = ''): Project {
    this.assertNameFree(name);
    const now = new Date().toISOString();
    const id = randomUUID();
    this.db.prepare('INSERT INTO projects (id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, name, description, now, now);
    return this.mirror(this.get(id));
  }

  /** Puts back a project read from its file (library rebuild). */
  restore(p: Project): void {
    this.db.prepare('INSERT INTO projects (id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(p.id, p.name, p.description, p.createdAt, p.updatedAt);
  }

  rename(id: string, name: string): Project {
    const current = this.get(id);
    if (current.name.toLowerCase() !== name.toLowerCase()) this.assertNameFree(name);
    this.db.prepare('UPDATE projects SET name = ?, updated_at = ? WHERE id = ?').run(name, new Date().toISOString(), id);
    return this.mirror(this.get(id));
  }

  delete(id: string): void {
    this.get(id);
    this.db.prepare('DELETE FROM projects WHERE id = ?').run(id);
    const dir = this.filesDir();
    if (dir) rmSync(join(dir, `${id}.json`), { force: true });
  }

  private filesDir(): string | undefined {
    const root = libraryRootOf(this.db);
    return root && join(root, 'projects');
  }

  /** Writes projects/<id>.json (temp file + rename, so it is whole or absent). */
  private mirror(p: Project): Project {
    const dir = this.filesDir();
    if (!dir) return p;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${p.id}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(p, null, 2) + '\n');
    renameSync(`${file}.tmp`, file);
    return p;
  }

  private assertNameFree(name: string): void {
    const other = this.findByName(name);
    if (other) throw new LatheError('projects.nameTaken', `A project named "${other.name}" already exists.`, 'Pick another name, or open the existing project.');
  }
}
