// Every schema migration in order. Add a new numbered file and one line here; never edit a released migration.
import type { Migration } from './types';
import { migration as m001 } from './001-projects';
import { migration as m002 } from './002-runs';
import { migration as m003 } from './003-datasets';

export const migrations: Migration[] = [m001, m002, m003];
export type { Migration };
