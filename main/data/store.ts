// Imports a dataset into the library: raw copy (hashed), normalized.jsonl, report.json and invalid.jsonl, written atomically, then indexed.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { LatheError } from '../api/errors';
import type { DatasetSummary } from '../api/dataset-types';
import type { Db } from '../library/db';
import { DatasetsRepo, type NewDataset } from '../library/datasets-repo';
import type { LibraryPaths } from '../library/paths';
import { runPipeline, type DatasetReport, type PipelineOptions } from './pipeline';
import { listTextFiles } from './readers/text';
import type { RowIssue } from './types';

export interface ImportOptions extends Omit<PipelineOptions, 'onExample' | 'onTokenized' | 'onIssue' | 'tokenize'> {
  projectId: string;
  /** Shown in the library; defaults to the file name. */
  name?: string;
  /** The Data step's training settings when it was imported (validation share, max length, loss mask, template): the
   *  New run form's defaults for this dataset. */
  training?: Record<string, unknown>;
}

export interface ImportResult {
  dataset: DatasetSummary;
  report: DatasetReport;
}

/** Files of one imported dataset inside its folder. */
/** A dataset row's figures from its report.json (the import writes them; a library rebuild reads them back). */
export function rowCountsOf(report: Pick<DatasetReport, 'source' | 'format' | 'total' | 'valid' | 'invalidCount' | 'duplicates'>): Pick<NewDataset, 'sourceKind' | 'format' | 'total' | 'valid' | 'invalid' | 'duplicates'> {
  return { sourceKind: report.source, format: report.format, total: report.total, valid: report.valid, invalid: report.invalidCount, duplicates: report.duplicates };
}

export const DATASET_FILES = { raw: 'raw', normalized: 'normalized.jsonl', report: 'report.json', invalid: 'invalid.jsonl', cache: 'cache', identity: 'dataset.json' } as const;

async function copyHashed(src: string, dst: string, hash: ReturnType<typeof createHash>, signal?: AbortSignal): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  await pipeline(createReadStream(src), tap, createWriteStream(dst), { signal });
  await fsyncFile(dst);
}

async function fsyncFile(p: string): Promise<void> {
  const fh = await open(p, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes lines with backpressure so a huge dataset never piles up in memory. */
class LineWriter {
  private readonly out: WriteStream;
  readonly hash = createHash('sha256');
  count = 0;
  constructor(readonly path: string) {
    this.out = createWriteStream(path);
  }
  async write(obj: unknown): Promise<void> {
    const line = JSON.stringify(obj) + '\n';
    this.hash.update(line);
    this.count++;
    if (!this.out.write(line)) await new Promise<void>((res) => this.out.once('drain', res));
  }
  async close(): Promise<void> {
    await new Promise<void>((res, rej) => this.out.end((err?: Error | null) => (err ? rej(err) : res())));
    await fsyncFile(this.path);
  }
}

export async function importDataset(db: Db, paths: LibraryPaths, sourcePath: string, opts: ImportOptions): Promise<ImportResult> {
  const info = await stat(sourcePath).catch(() => null);
  if (!info) throw new LatheError('data_not_found', `${sourcePath} does not exist.`, 'Check the path, or pick the file again.');
  if (!info.isFile() && !info.isDirectory()) throw new LatheError('data_not_file', `${sourcePath} is not a regular file.`, 'Pick a dataset file or a folder of text files.');
  const id = randomUUID();
  const tmp = join(paths.datasets, `.tmp-${id}`);
  const final = join(paths.datasets, id);
  await mkdir(join(tmp, DATASET_FILES.raw), { recursive: true });
  try {
    // 1. Keep the raw file(s) exactly as given, and hash them on the way.
    const rawHash = createHash('sha256');
    let rawPath: string;
    if (info.isDirectory()) {
      rawPath = join(tmp, DATASET_FILES.raw, basename(sourcePath));
      for (const f of await listTextFiles(sourcePath)) {
        const rel = relative(sourcePath, f).split('\\').join('/');
        rawHash.update(`\u0000${rel}\u0000`);
        await copyHashed(f, join(rawPath, rel), rawHash, opts.signal);
      }
    } else {
      rawPath = join(tmp, DATASET_FILES.raw, basename(sourcePath));
      await copyHashed(sourcePath, rawPath, rawHash, opts.signal);
    }
    // 2. Validate and normalise the copy (what is stored is exactly what was validated).
    const normalized = new LineWriter(join(tmp, DATASET_FILES.normalized));
    const invalid = new LineWriter(join(tmp, DATASET_FILES.invalid));
    const issues: RowIssue[] = [];
    let report: DatasetReport;
    try {
      report = await runPipeline(rawPath, {
        ...opts,
        displayName: basename(sourcePath),
        onExample: (ex) => normalized.write(ex),
        onIssue: (i) => { issues.push(i); },
      });
    } finally {
      await normalized.close();
    }
    issues.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.line - b.line);
    for (const i of issues) await invalid.write(i);
    await invalid.close();
    if (report.valid === 0) {
      throw new LatheError('data_no_valid_rows', `${basename(sourcePath)}: none of its ${report.total} rows is valid (${Object.entries(report.byCode).map(([k, v]) => `${v} ${k}`).join(', ')}).`, 'Run `lathe data inspect` on the file to see each problem with its line number.');
    }
    await writeFile(join(tmp, DATASET_FILES.report), JSON.stringify(report, null, 1));
    const options: Record<string, unknown> = {};
    if (opts.map && Object.keys(opts.map).length) options.map = opts.map;
    if (opts.format) options.format = opts.format;
    if (opts.jsonField) options.jsonField = opts.jsonField;
    if (opts.textUnit) options.textUnit = opts.textUnit;
    if (opts.training && Object.keys(opts.training).length) options.training = opts.training;
    options.onInvalid = opts.onInvalid ?? 'skip';
    // The folder describes itself (dataset.json holds its library row), so a lost library can be rebuilt from it.
    const row: NewDataset = {
      id,
      projectId: opts.projectId,
      name: opts.name ?? basename(sourcePath),
      sourcePath,
      ...rowCountsOf(report),
      rawSha256: rawHash.digest('hex'),
      contentHash: normalized.hash.digest('hex'),
      dir: id,
      options,
      createdAt: new Date().toISOString(),
    };
    await writeFile(join(tmp, DATASET_FILES.identity), JSON.stringify(row, null, 1));
    await rename(tmp, final);
    try {
      const dataset = new DatasetsRepo(db).insert(row);
      return { dataset, report };
    } catch (err) {
      await rm(final, { recursive: true, force: true });
      throw err;
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

export function datasetDir(paths: LibraryPaths, dir: string): string {
  return join(paths.datasets, dir);
}

export async function deleteDataset(db: Db, paths: LibraryPaths, id: string): Promise<void> {
  const repo = new DatasetsRepo(db);
  const d = repo.get(id);
  repo.delete(id);
  await rm(datasetDir(paths, d.dir), { recursive: true, force: true });
}
