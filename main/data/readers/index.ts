// Picks the reader for a file (by extension, with a sniff for JSON Lines saved as .json) and exposes one record stream.
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { LatheError } from '../../api/errors';
import type { RawRecord, ReaderOptions, SourceKind } from '../types';
import { readCsv } from './csv';
import { readJson, type JsonReadInfo } from './json';
import { readJsonl } from './jsonl';
import { readParquet } from './parquet';
import { readText, TEXT_EXTENSIONS } from './text';
import { sniffEncoding } from './lines';

export const SOURCE_KINDS: SourceKind[] = ['jsonl', 'json', 'csv', 'tsv', 'parquet', 'text'];

const BY_EXT: Record<string, SourceKind> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

/** A .json file whose first line is a whole object and whose next line starts another one is JSON Lines. */
async function looksLikeJsonl(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(256 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const { encoding, bomBytes } = sniffEncoding(buf.subarray(0, bytesRead));
    const text = new TextDecoder(encoding).decode(buf.subarray(bomBytes, bytesRead));
    const lines = text.split('\n').map((l) => l.trim()).filter((l) => l);
    if (lines.length < 2 || !lines[0].startsWith('{') || !lines[1].startsWith('{')) return false;
    JSON.parse(lines[0]);
    return true;
  } catch {
    return false;
  } finally {
    await fh.close();
  }
}

export async function detectSourceKind(path: string): Promise<SourceKind> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new LatheError('data_not_found', `${path} does not exist.`, 'Check the path, or pick the file again.');
  }
  if (info.isDirectory()) return 'text';
  if (!info.isFile()) throw new LatheError('data_not_file', `${path} is not a regular file.`, 'Pick a dataset file or a folder of text files.');
  const ext = extname(path).toLowerCase();
  if (TEXT_EXTENSIONS.includes(ext)) return 'text';
  const kind = BY_EXT[ext];
  if (!kind) {
    throw new LatheError(
      'data_unknown_file_type',
      `${path}: Lathe cannot tell the file type from the extension "${ext || '(none)'}".`,
      'Use .jsonl, .json, .csv, .tsv, .parquet, .txt or .md, or name the type with --source.',
    );
  }
  if (kind === 'json' && (await looksLikeJsonl(path))) return 'jsonl';
  return kind;
}

export interface ReaderState {
  emptyLines: number;
  json: JsonReadInfo;
}

export function newReaderState(): ReaderState {
  return { emptyLines: 0, json: { field: null } };
}

export function readRecords(path: string, kind: SourceKind, opts: ReaderOptions = {}, state: ReaderState = newReaderState()): AsyncGenerator<RawRecord> {
  switch (kind) {
    case 'jsonl':
      return readJsonl(path, opts, state);
    case 'json':
      return readJson(path, opts, state.json);
    case 'csv':
      return readCsv(path, ',', opts);
    case 'tsv':
      return readCsv(path, '\t', opts);
    case 'parquet':
      return readParquet(path, opts);
    case 'text':
      return readText(path, opts);
  }
}
