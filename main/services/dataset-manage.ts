// Managing imported datasets: rename, the rows page by page, which runs use one (asked before deleting), the bundled
// demo data, and the duplicate check an import makes first (the same bytes already in the project).
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { MethodOutput, MethodParsedInput } from '../api/contract';
import { LatheError } from '../api/errors';
import { appRoot } from '../app-root';
import { DATASET_FILES, datasetDir } from '../data/store';
import { DatasetsRepo } from '../library/datasets-repo';
import { RunsRepo } from '../library/runs-repo';
import type { ServiceContext } from './context';

/** The datasets a run's mixture names (run configs are stored as written, so read them defensively). */
function mixtureDatasets(config: Record<string, unknown>): unknown[] {
  return Array.isArray(config.mixture) ? config.mixture.map((m: unknown) => (m && typeof m === 'object' ? (m as { dataset?: unknown }).dataset : undefined)) : [];
}

/** Runs whose config trains on the dataset (its folder …/datasets/<dir>). */
export function runsUsing(ctx: ServiceContext, datasetId: string): { id: string; name: string; status: string }[] {
  const d = new DatasetsRepo(ctx.db).get(datasetId);
  const dir = datasetDir(ctx.paths, d.dir);
  return new RunsRepo(ctx.db).list().filter((r) => r.config.dataset === dir || r.config.dataset === d.id || r.config.validationDataset === dir || mixtureDatasets(r.config).some((m) => m === dir || m === d.id)).map((r) => ({ id: r.id, name: r.name, status: r.status }));
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Refuses an import of bytes the project already holds, naming that dataset (the UI then asks what to do). */
export async function checkDuplicate(ctx: ServiceContext, projectId: string, path: string): Promise<void> {
  const same = new DatasetsRepo(ctx.db).list(projectId);
  if (!same.length) return;
  let hash: string;
  try {
    hash = await sha256File(path);
  } catch {
    return;  // a folder of files, or unreadable: the import itself says what is wrong
  }
  const dup = same.find((d) => d.rawSha256 === hash);
  if (dup) {
    throw new LatheError('datasets.duplicate', `This file is already in the project as "${dup.name}" (imported ${dup.createdAt.slice(0, 10)}, ${dup.valid} rows).`, `Use "${dup.name}", or import it again under another name.`);
  }
}

const DEMOS = [
  { file: 'contacts-sft.jsonl', name: 'Demo: contact notes to JSON', kind: 'sft', description: 'Chat rows that turn a contact note into JSON: what `lathe demo` trains on.' },
  { file: 'contacts-preference.jsonl', name: 'Demo: preference pairs', kind: 'preference', description: 'Chosen and rejected answers for the same notes, for DPO.' },
];

export const datasetManageHandlers = {
  'datasets.rename': async (a: MethodParsedInput<'datasets.rename'>, ctx: ServiceContext): Promise<MethodOutput<'datasets.rename'>> => {
    const repo = new DatasetsRepo(ctx.db);
    const d = repo.rename(a.id, a.name);
    // The folder's identity file says the same, so a rebuilt library keeps the name.
    const idFile = join(datasetDir(ctx.paths, repo.get(a.id).dir), DATASET_FILES.identity);
    try {
      const cur = JSON.parse(await readFile(idFile, 'utf8')) as Record<string, unknown>;
      await writeFile(idFile, JSON.stringify({ ...cur, name: a.name }, null, 1));
    } catch {
      // No identity file (an old import): the library's record is what shows.
    }
    return d;
  },

  'datasets.rows': async (a: MethodParsedInput<'datasets.rows'>, ctx: ServiceContext): Promise<MethodOutput<'datasets.rows'>> => {
    const d = new DatasetsRepo(ctx.db).get(a.id);
    const file = join(datasetDir(ctx.paths, d.dir), DATASET_FILES.normalized);
    if (!existsSync(file)) throw new LatheError('datasets.noRows', `The rows of "${d.name}" are missing (${file}).`, 'Import the file again.');
    const rows: { index: number; row: unknown }[] = [];
    let i = 0;
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      if (i >= a.offset && rows.length < a.limit) rows.push({ index: i, row: JSON.parse(line) as unknown });
      i++;
      if (rows.length >= a.limit && i > a.offset + a.limit) break;
    }
    lines.close();
    return { total: d.valid, offset: a.offset, rows };
  },

  'datasets.usage': async (a: MethodParsedInput<'datasets.usage'>, ctx: ServiceContext): Promise<MethodOutput<'datasets.usage'>> => ({ runs: runsUsing(ctx, a.id) }),

  'datasets.demos': async (): Promise<MethodOutput<'datasets.demos'>> =>
    DEMOS.map((d) => ({ ...d, path: join(appRoot(), 'assets', 'demo', d.file) })).filter((d) => existsSync(d.path)),
};
