// Parquet reader over hyparquet: one row group in memory at a time; rows are numbered from 1 in file order.
import { decompress as fzstdDecompress } from 'fzstd';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type CompressionCodec, type Compressors, type FileMetaData } from 'hyparquet';
import { stat } from 'node:fs/promises';
import zlib from 'node:zlib';
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

/** LZ4 block format, which is what Parquet's LZ4_RAW pages hold (pyarrow writes it for compression="lz4"). */
export function lz4RawDecompress(input: Uint8Array, outputLength: number): Uint8Array {
  const out = new Uint8Array(outputLength);
  let i = 0;
  let o = 0;
  // A length nibble of 15 continues in the following bytes, each added until one is not 255.
  const more = (n: number): number => {
    if (n < 15) return n;
    for (;;) {
      if (i >= input.length) throw new Error('lz4: block ends inside a length');
      const b = input[i++];
      n += b;
      if (b !== 255) return n;
    }
  };
  while (i < input.length) {
    const token = input[i++];
    const lit = more(token >> 4);
    if (i + lit > input.length || o + lit > outputLength) throw new Error('lz4: literals run past the end');
    out.set(input.subarray(i, i + lit), o);
    i += lit;
    o += lit;
    if (i === input.length) break; // the last sequence is literals only
    if (i + 2 > input.length) throw new Error('lz4: block ends inside a match offset');
    const offset = input[i] | (input[i + 1] << 8);
    i += 2;
    if (offset === 0 || offset > o) throw new Error(`lz4: match offset ${offset} points before the start`);
    const len = more(token & 15) + 4;
    if (o + len > outputLength) throw new Error('lz4: match runs past the end');
    // Byte by byte: a match may overlap the bytes it is writing (offset < length repeats a pattern).
    for (let k = 0; k < len; k++, o++) out[o] = out[o - offset];
  }
  if (o !== outputLength) throw new Error(`lz4: decoded ${o} bytes, the page header says ${outputLength}`);
  return out;
}

// hyparquet decodes snappy itself; the other codecs pandas/pyarrow/polars write come from Node's zlib. zstd is in zlib
// from Node.js 22.15 (and in Electron's Node); older Node (the CLI on Node 20) decodes it with fzstd, a pure-JS decoder.
const zstdDecompressSync = (zlib as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;
export const PARQUET_COMPRESSORS: Compressors = {
  GZIP: (input) => zlib.gunzipSync(input),
  BROTLI: (input) => zlib.brotliDecompressSync(input),
  LZ4_RAW: lz4RawDecompress,
  ZSTD: zstdDecompressSync ? (input: Uint8Array) => zstdDecompressSync(input) : (input: Uint8Array) => fzstdDecompress(input),
};

/** The first column chunk whose codec this build cannot decode, as an error that says what to do about it. */
function unsupportedCodec(path: string, metadata: FileMetaData): LatheError | null {
  const readable = new Set<CompressionCodec>(['UNCOMPRESSED', 'SNAPPY', ...(Object.keys(PARQUET_COMPRESSORS) as CompressionCodec[])]);
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const codec = chunk.meta_data?.codec;
      if (!codec || readable.has(codec)) continue;
      const column = chunk.meta_data!.path_in_schema.join('.');
      const hint = 'Re-export the file with snappy, gzip or no compression (pandas: df.to_parquet(path, compression="snappy")).';
      return new LatheError('data_parquet', `${path}: column "${column}" is compressed with ${codec}, which Lathe cannot decode here.`, hint);
    }
  }
  return null;
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
  // Checked before any row is read, so a file is refused whole rather than after some rows were yielded.
  const codecError = unsupportedCodec(path, metadata);
  if (codecError) throw codecError;
  let row = 0;
  let bytesRead = 0;
  for (const group of metadata.row_groups) {
    if (opts.signal?.aborted) throw cancelledError(path);
    const n = Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = (await parquetReadObjects({ file, metadata, rowStart: row, rowEnd: row + n, compressors: PARQUET_COMPRESSORS })) as Record<string, unknown>[];
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
