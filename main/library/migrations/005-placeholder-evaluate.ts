// PLACEHOLDER on the evaluate branch only: migration 5 belongs to another branch. It keeps this branch's migration
// list gap-free until the merge, where the real 005 replaces this file and its line in index.ts. It changes nothing.
import type { Migration } from './types';

export const migration: Migration = { version: 5, name: 'placeholder-005', up: 'SELECT 1;' };
