// Migration 2: training runs, their metrics and checkpoints (the run folder on disk is the source of truth; these index it).
import type { Migration } from './types';

export const migration: Migration = {
  version: 2,
  name: 'runs',
  up: `
    CREATE TABLE runs (
      id             TEXT PRIMARY KEY,
      project_id     TEXT REFERENCES projects(id) ON DELETE SET NULL,
      name           TEXT NOT NULL,
      status         TEXT NOT NULL CHECK (status IN ('queued','running','paused','interrupted','completed','failed','cancelled')),
      run_dir        TEXT NOT NULL UNIQUE,
      config_json    TEXT NOT NULL,
      step           INTEGER NOT NULL DEFAULT 0,
      total_steps    INTEGER NOT NULL DEFAULT 0,
      last_loss      REAL,
      best_eval_loss REAL,
      error_json     TEXT,
      host_pid       INTEGER,
      created_at     TEXT NOT NULL,
      updated_at     TEXT NOT NULL,
      started_at     TEXT,
      finished_at    TEXT
    );
    CREATE INDEX runs_project ON runs(project_id, created_at);
    CREATE TABLE run_metrics (
      run_id         TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      step           INTEGER NOT NULL,
      loss           REAL,
      lr             REAL NOT NULL,
      grad_norm      REAL,
      tokens_per_sec REAL,
      eval_loss      REAL,
      memory_bytes   INTEGER,
      skipped        TEXT,
      at             TEXT NOT NULL,
      PRIMARY KEY (run_id, step)
    );
    CREATE TABLE checkpoints (
      run_id     TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      step       INTEGER NOT NULL,
      dir        TEXT NOT NULL,
      eval_loss  REAL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (run_id, step)
    );
  `,
};
