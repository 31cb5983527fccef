// Every schema migration in order. Add a new numbered file and one line here; never edit a released migration.
import type { Migration } from './types';
import { migration as m001 } from './001-projects';

export const migrations: Migration[] = [m001];
export type { Migration };
