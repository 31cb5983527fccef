// Every schema migration in order. Add a new numbered file and one line here; never edit a released migration.
import type { Migration } from './types';
import { migration as m001 } from './001-projects';
import { migration as m002 } from './002-runs';

export const migrations: Migration[] = [m001, m002];
export type { Migration };
