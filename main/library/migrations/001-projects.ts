// Migration 1: projects.
import type { Migration } from './types';

export const migration: Migration = {
  version: 1,
  name: 'projects',
  up: `
    CREATE TABLE projects (
      id          TEXT PRIMARY KEY,
      name        TEXT NOT NULL,
      description TEXT NOT NULL DEFAULT '',
      created_at  TEXT NOT NULL,
      updated_at  TEXT NOT NULL
    );
    CREATE UNIQUE INDEX projects_name ON projects(name COLLATE NOCASE);
  `,
};
