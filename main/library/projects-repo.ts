// Projects table access: the only code that writes SQL for projects.
import { randomUUID } from 'node:crypto';
import type { Project } from '../api/contract';
import { LatheError } from '../api/errors';
import type { Db } from './db';

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
    return this.get(id);
  }

  rename(id: string, name: string): Project {
    const current = this.get(id);
    if (current.name.toLowerCase() !== name.toLowerCase()) this.assertNameFree(name);
    this.db.prepare('UPDATE projects SET name = ?, updated_at = ? WHERE id = ?').run(name, new Date().toISOString(), id);
    return this.get(id);
  }

  delete(id: string): void {
    this.get(id);
    this.db.prepare('DELETE FROM projects WHERE id = ?').run(id);
  }

  private assertNameFree(name: string): void {
    const other = this.findByName(name);
    if (other) throw new LatheError('projects.nameTaken', `A project named "${other.name}" already exists.`, 'Pick another name, or open the existing project.');
  }
}
