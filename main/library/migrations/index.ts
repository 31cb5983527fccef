// Every schema migration in order. Add a new numbered file and one line here; never edit a released migration.
import type { Migration } from './types';
import { migration as m001 } from './001-projects';
import { migration as m002 } from './002-runs';
import { migration as m003 } from './003-datasets';
import { migration as m004 } from './004-metrics-plan';
import { migration as m005 } from './005-models';
import { migration as m006 } from './006-evals';
import { migration as m007 } from './007-exports';

export const migrations: Migration[] = [m001, m002, m003, m004, m005, m006, m007];
export type { Migration };
