// Parquet reader over hyparquet: one row group in memory at a time; rows are numbered from 1 in file order.
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { stat } from 'node:fs/promises';
import { LatheError } from '../../api/errors';
import type { RawRecord, ReaderOptions } from '../types';
import { cancelledError } from './lines';

/** Parquet values that JSON cannot carry (int64 as BigInt, dates, bytes) become plain JSON values. */
export function plainValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (Array.isArray(v)) return v.map(plainValue);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = plainValue(x);
    return o;
  }
  return v;
}

export async function* readParquet(path: string, opts: ReaderOptions = {}): AsyncGenerator<RawRecord> {
  const totalBytes = (await stat(path)).size;
  const file = await asyncBufferFromFile(path);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new LatheError('data_parquet', `${path} is not a readable Parquet file: ${(err as Error).message}`, 'Check that the download finished; re-export the file as Parquet, or use JSONL or CSV.');
  }
  let row = 0;
  let bytesRead = 0;
  for (const group of metadata.row_groups) {
    if (opts.signal?.aborted) throw cancelledError(path);
    const n = Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = (await parquetReadObjects({ file, metadata, rowStart: row, rowEnd: row + n })) as Record<string, unknown>[];
    } catch (err) {
      throw new LatheError('data_parquet', `${path} rows ${row + 1}-${row + n}: cannot decode this row group: ${(err as Error).message}`, 'The file may use a compression or encoding Lathe cannot read; re-export it with snappy or no compression.');
    }
    for (const r of rows) {
      row++;
      yield { line: row, value: plainValue(r) as Record<string, unknown> };
    }
    bytesRead += Number(group.total_byte_size ?? 0);
    opts.onProgress?.({ bytesRead: Math.min(bytesRead, totalBytes), totalBytes, rows: row });
  }
}
