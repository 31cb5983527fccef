// The library database: WAL, migrations in order and atomic, integrity check on open, refusing newer schemas.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openLibraryDb } from '../../../main/library/db';
import { migrations } from '../../../main/library/migrations';
import { ProjectsRepo } from '../../../main/library/projects-repo';
import { tempDir } from '../../helpers/temp-dir';

describe('library database', () => {
  const dir = tempDir();

  it('opens in WAL mode and applies every migration once', () => {
    const file = join(dir, 'a.sqlite');
    const db = openLibraryDb(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    db.close();
    const again = openLibraryDb(file);
    expect(migrate(again, migrations)).toBe(0);
    again.close();
  });

  it('rolls back a migration that fails halfway and leaves the schema version unchanged', () => {
    const file = join(dir, 'b.sqlite');
    const broken = [...migrations, { version: migrations.length + 1, name: 'broken', up: 'CREATE TABLE half (x INT); INSERT INTO nope VALUES (1);' }];
    expect(() => openLibraryDb(file, { migrations: broken })).toThrow(/nope/);
    const db = openLibraryDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    // Re-running the fixed migration list works.
    const fixed = [...migrations, { version: migrations.length + 1, name: 'fixed', up: 'CREATE TABLE half (x INT);' }];
    expect(migrate(db, fixed)).toBe(1);
    db.close();
  });

  it('refuses a library written by a newer schema', () => {
    const file = join(dir, 'c.sqlite');
    const db = openLibraryDb(file);
    db.pragma(`user_version = ${migrations.length + 5}`);
    db.close();
    expect(() => openLibraryDb(file)).toThrow(/newer Lathe/);
  });

  it('reports a corrupt file with a hint instead of crashing', () => {
    const file = join(dir, 'd.sqlite');
    writeFileSync(file, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096, 0xab)]));
    let error: unknown;
    try {
      openLibraryDb(file);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: expect.stringMatching(/^library\./) });
  });

  it('rejects out-of-order migration lists', () => {
    const db = openLibraryDb(join(dir, 'e.sqlite'), { migrations: [] });
    expect(() => migrate(db, [{ version: 2, name: 'x', up: '' }])).toThrow(/out of order/);
    db.close();
  });
});

describe('projects repository', () => {
  const dir = tempDir();

  it('creates, lists, renames and deletes, refusing duplicate names case-insensitively', () => {
    const db = openLibraryDb(join(dir, 'p.sqlite'));
    const repo = new ProjectsRepo(db);
    const a = repo.create('Contact notes');
    repo.create('Support bot');
    expect(repo.list().map((p) => p.name).sort()).toEqual(['Contact notes', 'Support bot']);
    expect(() => repo.create('contact NOTES')).toThrow(/already exists/);
    const renamed = repo.rename(a.id, 'Contact cards');
    expect(renamed.name).toBe('Contact cards');
    expect(repo.rename(a.id, 'contact cards').name).toBe('contact cards');
    repo.delete(a.id);
    expect(repo.list().map((p) => p.name)).toEqual(['Support bot']);
    expect(() => repo.get(a.id)).toThrow(/No project/);
    db.close();
  });
});
