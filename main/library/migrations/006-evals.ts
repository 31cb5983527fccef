// Migration 6: evaluations with their lineage (project, run, checkpoint, data hash, settings, results), saved chat
// transcripts, and blind A/B ratings (exported as preference data).
import type { Migration } from './types';

export const migration: Migration = {
  version: 6,
  name: 'evals',
  up: `
    CREATE TABLE evals (
      id            TEXT PRIMARY KEY,
      project_id    TEXT REFERENCES projects(id) ON DELETE CASCADE,
      run_id        TEXT REFERENCES runs(id) ON DELETE SET NULL,
      checkpoint    INTEGER,
      kind          TEXT NOT NULL CHECK (kind IN ('loss','task')),
      source_kind   TEXT NOT NULL,
      source_path   TEXT,
      data_hash     TEXT NOT NULL,
      model         TEXT NOT NULL,
      adapter       TEXT,
      settings_json TEXT NOT NULL,
      summary_json  TEXT NOT NULL,
      result_json   TEXT NOT NULL,
      created_at    TEXT NOT NULL
    );
    CREATE INDEX evals_project ON evals(project_id, created_at);
    CREATE INDEX evals_run ON evals(run_id, checkpoint);
    CREATE TABLE chat_transcripts (
      id            TEXT PRIMARY KEY,
      project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      title         TEXT NOT NULL,
      settings_json TEXT NOT NULL,
      turns_json    TEXT NOT NULL,
      created_at    TEXT NOT NULL
    );
    CREATE INDEX chat_transcripts_project ON chat_transcripts(project_id, created_at);
    CREATE TABLE ab_ratings (
      id            TEXT PRIMARY KEY,
      project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      prompt        TEXT NOT NULL,
      answer_a      TEXT NOT NULL,
      answer_b      TEXT NOT NULL,
      side_a        TEXT NOT NULL,
      side_b        TEXT NOT NULL,
      settings_json TEXT NOT NULL,
      choice        TEXT CHECK (choice IN ('a','b','both-bad')),
      created_at    TEXT NOT NULL,
      rated_at      TEXT
    );
    CREATE INDEX ab_ratings_project ON ab_ratings(project_id, created_at);
  `,
};
