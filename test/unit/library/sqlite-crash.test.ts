// SQLite under kills and locks (reliability.md 17 and 18): a writer killed mid-transaction over and over leaves an
// intact database with no partial transaction; a write lock held by another process is waited for (busy_timeout).
// LATHE_SQLITE_KILLS=1000 runs the full 1,000 kills (minutes); the suite runs 8.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibraryDb } from '../../../main/library/db';
import { tempDir } from '../../helpers/temp-dir';

const BETTER_SQLITE = require.resolve('better-sqlite3');

/** A child that opens the database as the app does and commits transactions of 50 rows until killed or done. */
function writer(file: string, extra = ''): string {
  return `
    const Database = require(${JSON.stringify(BETTER_SQLITE)});
    const db = new Database(${JSON.stringify(file)});
    db.pragma('journal_mode = WAL'); db.pragma('synchronous = FULL'); db.pragma('busy_timeout = 5000');
    db.exec('CREATE TABLE IF NOT EXISTS rows (batch TEXT, i INTEGER, pad TEXT)');
    const ins = db.prepare('INSERT INTO rows VALUES (?, ?, ?)');
    ${extra}
    const batch = db.transaction((b) => { for (let i = 0; i < 50; i++) ins.run(b, i, 'x'.repeat(200)); });
    process.stdout.write('ready\\n');
    for (let n = 0; n < 100000; n++) batch(process.pid + '-' + n);
  `;
}

/** Runs `code` in a child; `ready` resolves on its first output (it then holds what it set up), `done` on its exit. */
function start(code: string, killAfterMs?: number): { ready: Promise<void>; done: Promise<void> } {
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  void ready.then(() => {
    if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('exit', (c, signal) => (signal === 'SIGKILL' || c === 0 ? resolve() : reject(new Error(`writer exited ${c}: ${err}`))));
  });
  return { ready, done };
}

describe('SQLite crash safety', () => {
  it('a writer killed mid-transaction leaves integrity ok and only whole transactions', async () => {
    const file = join(tempDir(), 'kill.sqlite');
    const kills = Number(process.env.LATHE_SQLITE_KILLS ?? 8);
    for (let k = 0; k < kills; k++) await start(writer(file), 5 + Math.floor(Math.random() * 40)).done;
    const db = openLibraryDb(file, { migrations: [] });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const sizes = db.prepare('SELECT COUNT(*) AS n FROM rows GROUP BY batch').all() as { n: number }[];
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.every((s) => s.n === 50)).toBe(true);
    db.close();
  }, 600_000);

  it('waits for a write lock held by another process instead of failing with SQLITE_BUSY', async () => {
    const file = join(tempDir(), 'busy.sqlite');
    const db = openLibraryDb(file, { migrations: [] });
    db.exec('CREATE TABLE rows (batch TEXT, i INTEGER, pad TEXT)');
    // The other process takes the write lock and keeps it 400 ms before committing.
    const holder = start(writer(file, `db.exec('BEGIN IMMEDIATE'); ins.run('held', 0, ''); process.stdout.write('ready\\n'); const t = Date.now() + 400; while (Date.now() < t); db.exec('COMMIT'); process.exit(0);`));
    await holder.ready;
    const started = Date.now();
    db.prepare("INSERT INTO rows VALUES ('mine', 0, '')").run();
    const waited = Date.now() - started;
    await holder.done;
    // It waited for the other transaction (up to busy_timeout) rather than failing at once.
    expect(waited).toBeGreaterThan(100);
    expect((db.prepare('SELECT batch FROM rows ORDER BY rowid').all() as { batch: string }[]).map((r) => r.batch)).toEqual(['held', 'mine']);
    db.close();
  });
});
