// Opens the SQLite library: WAL, foreign keys, integrity check on open, numbered migrations each in one transaction.
import Database from 'better-sqlite3';
import { LatheError } from '../api/errors';
import { migrations as allMigrations, type Migration } from './migrations';

export type Db = Database.Database;

export interface OpenOptions {
  /** Migrations to apply (tests pass their own lists). */
  migrations?: Migration[];
  /** Skip PRAGMA integrity_check (only for throwaway in-memory databases). */
  skipIntegrityCheck?: boolean;
  /** Size the -wal file is cut back to after a checkpoint (tests pass a small one). */
  walLimitBytes?: number;
}

/** A long-lived reader lets the WAL grow while it holds its snapshot; after the next checkpoint the file shrinks to this. */
export const WAL_LIMIT_BYTES = 64 * 1024 * 1024;

export function openLibraryDb(file: string, opts: OpenOptions = {}): Db {
  let db: Db;
  try {
    db = new Database(file);
  } catch (err) {
    throw new LatheError('library.open', `Cannot open the library database ${file}: ${(err as Error).message}`, 'Check that the folder exists and is writable, or set LATHE_HOME to another folder.');
  }
  try {
    db.pragma('journal_mode = WAL');
    // FULL makes each commit durable across power loss (reliability.md: NORMAL can lose the last commits).
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma(`journal_size_limit = ${Math.floor(opts.walLimitBytes ?? WAL_LIMIT_BYTES)}`);
    if (!opts.skipIntegrityCheck) {
      const rows = db.pragma('integrity_check') as { integrity_check: string }[];
      const result = rows.map((r) => r.integrity_check).join('; ');
      if (result !== 'ok') {
        throw new LatheError('library.corrupt', `The library database ${file} failed its integrity check: ${result}`, 'Run `lathe library rebuild` (it keeps the damaged file beside the new one and rebuilds the index from the project, dataset and run folders), or restore it from a backup.');
      }
    }
    migrate(db, opts.migrations ?? allMigrations);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof LatheError) throw err;
    const code = (err as { code?: string }).code ?? '';
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
      throw new LatheError('library.corrupt', `The library database ${file} is damaged (${(err as Error).message}).`, 'Run `lathe library rebuild` (it keeps the damaged file beside the new one and rebuilds the index from the project, dataset and run folders), or restore it from a backup.');
    }
    throw new LatheError('library.open', `Cannot open the library database ${file}: ${(err as Error).message}`, 'Check that the folder is writable and that no other program holds the file.');
  }
}

/** Applies pending migrations; each runs with its version bump in one transaction, so a crash leaves it fully applied or not at all. */
export function migrate(db: Db, migrations: Migration[]): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list is out of order: position ${i + 1} holds version ${m.version}`);
  });
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new LatheError('library.tooNew', `The library was written by a newer Lathe (schema ${current}, this build knows ${migrations.length}).`, 'Update Lathe, or point LATHE_HOME at another folder.');
  }
  let applied = 0;
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(m.up);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied++;
  }
  return applied;
}
