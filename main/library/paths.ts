// Where the library lives: LATHE_HOME if set, else the OS app-data folder; files sit beside the database.
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

export interface LibraryPaths {
  root: string;
  database: string;
  models: string;
  datasets: string;
  runs: string;
  exports: string;
  uploads: string;
  /** One <id>.json per project, so a lost database can be rebuilt from the folders. */
  projects: string;
}

/** The per-user app-data folder, as Electron's app.getPath('userData') would give for "Lathe". */
export function defaultLibraryRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.LATHE_HOME) return resolve(env.LATHE_HOME);
  if (platform === 'win32') return join(env.APPDATA || join(homedir(), 'AppData', 'Roaming'), 'Lathe');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Lathe');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'lathe');
}

export function libraryPaths(root: string): LibraryPaths {
  return {
    root,
    database: join(root, 'library.sqlite'),
    models: join(root, 'models'),
    datasets: join(root, 'datasets'),
    runs: join(root, 'runs'),
    exports: join(root, 'exports'),
    uploads: join(root, 'uploads'),
    projects: join(root, 'projects'),
  };
}

export function ensureLibraryFolders(p: LibraryPaths): void {
  for (const dir of [p.root, p.models, p.datasets, p.runs, p.exports, p.uploads, p.projects]) mkdirSync(dir, { recursive: true });
}

/** The library folder of an open database file (files sit beside it); undefined for an in-memory database. */
export function libraryRootOf(db: { name: string; memory: boolean }): string | undefined {
  return db.memory || !db.name || db.name === ':memory:' ? undefined : dirname(resolve(db.name));
}

/** True for an existing path strictly inside the library folder (what the desktop app may reveal in the file manager). */
export function insideLibrary(path: string, libraryRoot: string): boolean {
  if (typeof path !== 'string' || !isAbsolute(path)) return false;
  const rel = relative(resolve(libraryRoot), resolve(path));
  return !!rel && !rel.startsWith('..') && !isAbsolute(rel) && existsSync(path);
}
