// A long-lived reader (reliability.md 20): while it holds its snapshot the -wal file grows; once it lets go, the next
// checkpoint folds the WAL back and the file is cut to the library's limit instead of staying at its peak size.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibraryDb } from '../../../main/library/db';
import { tempDir } from '../../helpers/temp-dir';

const LIMIT = 256 * 1024;

describe('WAL size', () => {
  it('stays bounded once a long-lived reader lets go', () => {
    const file = join(tempDir(), 'wal.sqlite');
    const writer = openLibraryDb(file, { migrations: [], walLimitBytes: LIMIT });
    writer.exec('CREATE TABLE t (x TEXT)');
    writer.prepare('INSERT INTO t VALUES (?)').run('first');
    const reader = openLibraryDb(file, { migrations: [], walLimitBytes: LIMIT, skipIntegrityCheck: true });
    const rows = reader.prepare('SELECT x FROM t').iterate();
    rows.next(); // the reader's snapshot is now held open
    const ins = writer.prepare('INSERT INTO t VALUES (?)');
    const batch = writer.transaction(() => {
      for (let i = 0; i < 100; i++) ins.run('x'.repeat(1000));
    });
    for (let b = 0; b < 60; b++) batch();
    const peak = statSync(`${file}-wal`).size;
    expect(peak).toBeGreaterThan(5 * 1024 * 1024);
    rows.return?.();
    reader.close();
    // Writing on: the automatic checkpoint runs, the WAL restarts from its beginning and is cut to the limit.
    for (let b = 0; b < 50; b++) batch();
    writer.pragma('wal_checkpoint(PASSIVE)');
    batch();
    expect(statSync(`${file}-wal`).size).toBeLessThanOrEqual(LIMIT + 200 * 1024);
    expect(writer.pragma('integrity_check', { simple: true })).toBe('ok');
    writer.close();
  });
});
