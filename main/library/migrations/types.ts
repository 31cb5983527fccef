// The shape of one numbered schema migration.
export interface Migration {
  /** 1, 2, 3, ... with no gaps; applied in order, each in its own transaction. */
  version: number;
  name: string;
  /** SQL run inside the migration's transaction. */
  up: string;
}
