// Migration 7: exports, with lineage to the run and checkpoint they came from, their files and merge-quality figure.
import type { Migration } from './types';

export const migration: Migration = {
  version: 7,
  name: 'exports',
  up: `
    CREATE TABLE exports (
      id          TEXT PRIMARY KEY,
      run_id      TEXT REFERENCES runs(id) ON DELETE SET NULL,
      checkpoint  INTEGER,
      source_json TEXT NOT NULL,
      format      TEXT NOT NULL,
      quant       TEXT,
      out_path    TEXT NOT NULL,
      status      TEXT NOT NULL CHECK (status IN ('running','completed','failed','cancelled')),
      files_json  TEXT NOT NULL DEFAULT '[]',
      bytes       INTEGER NOT NULL DEFAULT 0,
      merge_kl    REAL,
      error_json  TEXT,
      created_at  TEXT NOT NULL,
      finished_at TEXT
    );
    CREATE INDEX exports_run ON exports(run_id, created_at);
  `,
};
