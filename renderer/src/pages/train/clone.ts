// "Clone settings": a finished (or any) run's config handed to the New run form, which opens with those settings.
// Kept in sessionStorage for the one hand-over, so a reload of the form does not keep re-applying it.
import type { Run } from '../../../../main/api/contract';

const KEY = 'lathe.cloneRun';

export interface ClonedRun {
  name: string;
  config: Record<string, unknown>;
}

export function stashClone(run: Run): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ name: `${run.name} (copy)`, config: run.config } satisfies ClonedRun));
  } catch {
    // Storage refused (private mode): the form opens empty, as for a new run.
  }
}

export function takeClone(): ClonedRun | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    sessionStorage.removeItem(KEY);
    return raw ? (JSON.parse(raw) as ClonedRun) : undefined;
  } catch {
    return undefined;
  }
}

/** A cloned run's dataset as the form holds it: a library dataset's id (its folder …/datasets/<id>), or the file path. */
export function clonedDataset(path: string): string {
  const m = /[\\/]datasets[\\/]([^\\/]+)[\\/]?$/.exec(path);
  return m ? m[1] : path;
}

/** Form values for a cloned config: every setting as the form holds it (numbers as text, lists and flags as they are). */
export function cloneOverrides(config: Record<string, unknown>, skip: ReadonlySet<string>): Record<string, string | boolean | string[]> {
  const out: Record<string, string | boolean | string[]> = {};
  for (const [k, v] of Object.entries(config)) {
    if (skip.has(k) || v === undefined || v === null) continue;
    if (typeof v === 'number') out[k] = String(v);
    else if (typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    // Lists of records (the mixture) travel as JSON rows; named values (templateVars) as the name=value text the form takes.
    else if (Array.isArray(v)) out[k] = v.map((x) => (x !== null && typeof x === 'object' ? JSON.stringify(x) : String(x)));
    else if (typeof v === 'object') out[k] = Object.entries(v as Record<string, unknown>).map(([n, x]) => `${n}=${String(x)}`).join(', ');
  }
  return out;
}
