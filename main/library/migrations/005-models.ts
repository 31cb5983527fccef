// Migration 5: the model library (files live in <library>/models/<folder>, or stay where the user keeps them when linked),
// and each project's base model by library id.
import type { Migration } from './types';

export const migration: Migration = {
  version: 5,
  name: 'models',
  up: `
    CREATE TABLE models (
      id               TEXT PRIMARY KEY,
      name             TEXT NOT NULL,
      source_kind      TEXT NOT NULL CHECK (source_kind IN ('hub','local','demo')),
      repo             TEXT,
      revision         TEXT,
      commit_sha       TEXT,
      dir              TEXT NOT NULL UNIQUE,
      linked           INTEGER NOT NULL DEFAULT 0,
      architecture     TEXT NOT NULL,
      model_type       TEXT NOT NULL,
      parameter_count  INTEGER NOT NULL,
      dtype            TEXT NOT NULL,
      size_bytes       INTEGER NOT NULL,
      has_tokenizer    INTEGER NOT NULL,
      has_chat_template INTEGER NOT NULL,
      license          TEXT,
      files_json       TEXT NOT NULL,
      created_at       TEXT NOT NULL
    );
    ALTER TABLE projects ADD COLUMN model_id TEXT REFERENCES models(id) ON DELETE SET NULL;
  `,
};
