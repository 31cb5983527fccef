// Streams a text file as decoded string chunks (for formats whose records may span or exceed lines), flagging lines with invalid UTF-8.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import type { ReaderOptions } from '../types';
import { cancelledError, firstInvalidUtf8, sniffEncoding } from './lines';

export interface CharChunk {
  text: string;
  /** 1-based line number of the first character of `text`. */
  firstLine: number;
  /** Absolute line numbers in this chunk that contained bytes which are not UTF-8 (decoded as U+FFFD). */
  badLines: number[];
}

/** Length of the trailing bytes of `b` that start a UTF-8 sequence the chunk does not finish. */
function incompleteTail(b: Buffer): number {
  for (let k = 1; k <= Math.min(3, b.length); k++) {
    const c = b[b.length - k];
    if ((c & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}

function countNewlines(b: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (b[i] === 10) n++;
  return n;
}

export async function* readChars(path: string, opts: ReaderOptions = {}): AsyncGenerator<CharChunk> {
  const totalBytes = (await stat(path)).size;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let first = true;
  let decoder: TextDecoder | null = null;
  let tail: Buffer = Buffer.alloc(0);
  let line = 1;
  let bytesRead = 0;
  try {
    for await (const raw of stream as AsyncIterable<Buffer>) {
      if (opts.signal?.aborted) throw cancelledError(path);
      bytesRead += raw.length;
      let chunk = raw;
      if (first) {
        first = false;
        const s = sniffEncoding(chunk);
        chunk = chunk.subarray(s.bomBytes);
        if (s.encoding !== 'utf-8') decoder = new TextDecoder(s.encoding);
      }
      let text: string;
      const badLines: number[] = [];
      if (decoder) {
        text = decoder.decode(chunk, { stream: true });
      } else {
        const buf = tail.length ? Buffer.concat([tail, chunk]) : chunk;
        const keep = incompleteTail(buf);
        const body = buf.subarray(0, buf.length - keep);
        tail = Buffer.from(buf.subarray(buf.length - keep));
        if (!isUtf8(body)) {
          let off = 0;
          while (off < body.length) {
            const at = firstInvalidUtf8(body.subarray(off));
            if (at < 0) break;
            const ln = line + countNewlines(body, off + at);
            if (badLines[badLines.length - 1] !== ln) badLines.push(ln);
            off += at + 1;
          }
        }
        text = body.toString('utf8');
      }
      const firstLine = line;
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) line++;
      yield { text, firstLine, badLines };
      opts.onProgress?.({ bytesRead, totalBytes, rows: line - 1 });
    }
    const rest = decoder ? decoder.decode() : tail.length ? tail.toString('utf8') : '';
    if (rest) yield { text: rest, firstLine: line, badLines: decoder ? [] : [line] };
  } finally {
    stream.destroy();
  }
}
