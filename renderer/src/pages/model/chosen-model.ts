// The base model chosen for each project and the recently inspected folders, kept in localStorage until the library
// stores models (the Train step reads the project's choice as its default).
const KEY = (projectId: string) => `lathe.model.${projectId}`;
const RECENT_KEY = 'lathe.recentModels';
const RECENT_MAX = 5;

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Convenience state only: with storage disabled the user types the path again.
  }
}

export function chosenModel(projectId: string | undefined): string | undefined {
  return (projectId && read(KEY(projectId))) || undefined;
}

export function setChosenModel(projectId: string, path: string | null): void {
  write(KEY(projectId), path);
  if (path) {
    const recent = [path, ...recentModels().filter((p) => p !== path)].slice(0, RECENT_MAX);
    write(RECENT_KEY, JSON.stringify(recent));
  }
}

export function recentModels(): string[] {
  try {
    const v = JSON.parse(read(RECENT_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, RECENT_MAX) : [];
  } catch {
    return [];
  }
}
