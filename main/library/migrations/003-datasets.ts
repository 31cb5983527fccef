// Migration 3: imported datasets (files live in <library>/datasets/<id>/: raw copy, normalized.jsonl, report.json, invalid.jsonl).
import type { Migration } from './types';

export const migration: Migration = {
  version: 3,
  name: 'datasets',
  up: `
    CREATE TABLE datasets (
      id            TEXT PRIMARY KEY,
      project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      name          TEXT NOT NULL,
      source_path   TEXT NOT NULL,
      source_kind   TEXT NOT NULL,
      format        TEXT NOT NULL,
      total         INTEGER NOT NULL,
      valid         INTEGER NOT NULL,
      invalid       INTEGER NOT NULL,
      duplicates    INTEGER NOT NULL,
      raw_sha256    TEXT NOT NULL,
      content_hash  TEXT NOT NULL,
      dir           TEXT NOT NULL UNIQUE,
      options_json  TEXT NOT NULL DEFAULT '{}',
      created_at    TEXT NOT NULL
    );
    CREATE INDEX datasets_project ON datasets(project_id, created_at);
  `,
};
