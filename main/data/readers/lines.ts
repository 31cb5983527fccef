// Streams a text file as numbered lines with constant memory: BOM/UTF-16 detection, CRLF, invalid UTF-8 and a per-line size cap.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { LatheError } from '../../api/errors';
import { DEFAULT_MAX_LINE_BYTES, type IssueCode, type ReaderOptions } from '../types';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface Line {
  /** 1-based line number. */
  line: number;
  /** The line without its terminator (`\n` or `\r\n`); empty when `issue` is set. */
  text: string;
  /** False only for a last line that the file ends in without a newline (possibly truncated). */
  newline: boolean;
  issue?: { code: IssueCode; reason: string };
}

const CHUNK = 1 << 20;

export function cancelledError(path: string): LatheError {
  return new LatheError('cancelled', `Import of ${path} was cancelled.`, 'Start the import again when you are ready.');
}

/** Sniffs the encoding from the first bytes: a BOM, or the NUL pattern of BOM-less UTF-16 text. Returns the BOM length too. */
export function sniffEncoding(head: Buffer): { encoding: TextEncoding; bomBytes: number } {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomBytes: 3 };
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomBytes: 2 };
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomBytes: 2 };
  // ASCII-heavy UTF-16 without a BOM has a NUL in every other byte; UTF-8 text never contains NUL.
  const n = Math.min(head.length, 1024) & ~1;
  if (n >= 8) {
    let evenNul = 0;
    let oddNul = 0;
    for (let i = 0; i < n; i += 2) {
      if (head[i] === 0) evenNul++;
      if (head[i + 1] === 0) oddNul++;
    }
    if (oddNul > n / 2 * 0.6 && evenNul === 0) return { encoding: 'utf-16le', bomBytes: 0 };
    if (evenNul > n / 2 * 0.6 && oddNul === 0) return { encoding: 'utf-16be', bomBytes: 0 };
  }
  return { encoding: 'utf-8', bomBytes: 0 };
}

/** Byte offset of the first byte that breaks UTF-8, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) { i++; continue; }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) { need = 1; min = 0x80; } else if (c >= 0xe0 && c <= 0xef) { need = 2; min = 0x800; } else if (c >= 0xf0 && c <= 0xf4) { need = 3; min = 0x10000; } else return i;
    if (i + need >= b.length) return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function decodeUtf8Line(buf: Buffer, line: number): Line {
  const end = buf.length > 0 && buf[buf.length - 1] === 0x0d ? buf.length - 1 : buf.length;
  const body = end === buf.length ? buf : buf.subarray(0, end);
  const text = body.toString('utf8');
  // toString never throws; it substitutes U+FFFD. Only then pay for a strict check (U+FFFD may also be genuine).
  if (text.includes('\uFFFD') && !isUtf8(body)) {
    const at = firstInvalidUtf8(body);
    return { line, text: '', newline: true, issue: { code: 'invalid_utf8', reason: `invalid UTF-8 byte 0x${body[at].toString(16).padStart(2, '0')} at byte ${at + 1} of the line` } };
  }
  return { line, text, newline: true };
}

function tooLong(line: number, bytes: number, max: number): Line {
  return {
    line,
    text: '',
    newline: true,
    issue: { code: 'line_too_long', reason: `line is ${bytes} bytes, longer than the ${max}-byte limit` },
  };
}

/**
 * Yields batches of lines (one batch per ~1 MiB read). Memory is bounded by the chunk size plus `maxLineBytes`:
 * a longer line is reported as `line_too_long` and skipped without being buffered.
 */
export async function* readLines(path: string, opts: ReaderOptions = {}): AsyncGenerator<Line[]> {
  const max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const totalBytes = (await stat(path)).size;
  const stream = createReadStream(path, { highWaterMark: CHUNK });
  let lineNo = 0;
  let bytesRead = 0;
  let first = true;
  let encoding: TextEncoding = 'utf-8';
  let decoder: TextDecoder | null = null;
  // UTF-8 state: the unfinished line as byte pieces; UTF-16 state: as a string.
  let carry: Buffer[] = [];
  let carryLen = 0;
  let carryStr = '';
  let overflow = false;
  // Bytes of the over-long line so far: it is counted to its end (for a true figure in the report) but never kept.
  let overflowLen = 0;
  try {
    for await (const raw of stream as AsyncIterable<Buffer>) {
      if (opts.signal?.aborted) throw cancelledError(path);
      bytesRead += raw.length;
      let chunk = raw;
      if (first) {
        first = false;
        const sniff = sniffEncoding(chunk);
        encoding = sniff.encoding;
        chunk = chunk.subarray(sniff.bomBytes);
        if (encoding !== 'utf-8') decoder = new TextDecoder(encoding);
      }
      const batch: Line[] = [];
      if (decoder) {
        const s = carryStr + decoder.decode(chunk, { stream: true });
        let start = 0;
        let nl: number;
        while ((nl = s.indexOf('\n', start)) !== -1) {
          lineNo++;
          const len = (overflow ? overflowLen : 0) + (nl - start) * 2;
          if (overflow || len > max) batch.push(tooLong(lineNo, len, max));
          else batch.push({ line: lineNo, text: s.charCodeAt(nl - 1) === 13 && nl > start ? s.slice(start, nl - 1) : s.slice(start, nl), newline: true });
          overflow = false;
          overflowLen = 0;
          start = nl + 1;
        }
        const rest = s.length - start;
        if (overflow || rest * 2 > max) {
          overflowLen += rest * 2;
          overflow = true;
          carryStr = '';
        } else carryStr = s.slice(start);
      } else {
        let start = 0;
        let nl: number;
        while ((nl = chunk.indexOf(10, start)) !== -1) {
          lineNo++;
          const len = (overflow ? overflowLen : carryLen) + nl - start;
          if (overflow || len > max) batch.push(tooLong(lineNo, len, max));
          else batch.push(decodeUtf8Line(carryLen ? Buffer.concat([...carry, chunk.subarray(start, nl)]) : chunk.subarray(start, nl), lineNo));
          overflow = false;
          overflowLen = 0;
          carry = [];
          carryLen = 0;
          start = nl + 1;
        }
        if (start < chunk.length) {
          const rest = chunk.subarray(start);
          if (overflow) overflowLen += rest.length;
          else if (carryLen + rest.length > max) { overflow = true; overflowLen = carryLen + rest.length; carry = []; carryLen = 0; } else { carry.push(rest); carryLen += rest.length; }
        }
      }
      if (batch.length) yield batch;
      opts.onProgress?.({ bytesRead, totalBytes, rows: lineNo });
    }
    // The last line has no terminator: a file cut off mid-write ends like this.
    if (decoder) carryStr += decoder.decode();
    if (overflow) yield [{ ...tooLong(lineNo + 1, overflowLen, max), newline: false }];
    else if (carryLen > 0) yield [{ ...decodeUtf8Line(Buffer.concat(carry), lineNo + 1), newline: false }];
    else if (carryStr.length > 0) yield [{ line: lineNo + 1, text: carryStr.endsWith('\r') ? carryStr.slice(0, -1) : carryStr, newline: false }];
  } finally {
    stream.destroy();
  }
}
