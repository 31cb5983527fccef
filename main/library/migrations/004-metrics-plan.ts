// Migration 4: each metric row keeps the engine's memory plan beside its measured peak (the dashboard charts both).
import type { Migration } from './types';

export const migration: Migration = {
  version: 4,
  name: 'metrics-plan',
  up: `ALTER TABLE run_metrics ADD COLUMN planned_bytes INTEGER;`,
};
