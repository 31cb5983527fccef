// CSV/TSV reader over csv-parse: header row gives field names, quoted newlines allowed, broken rows reported with their line.
import { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { LatheError } from '../../api/errors';
import { DEFAULT_MAX_RECORD_BYTES, type RawRecord, type ReaderOptions } from '../types';
import { readChars } from './chars';

interface CsvRow {
  record: Record<string, string>;
  info: { bytes: number; lines: number; empty_lines: number; comment_lines: number; invalid_field_length: number; error?: { code: string; record?: unknown[] } };
}

export async function* readCsv(path: string, delimiter: ',' | '\t', opts: ReaderOptions = {}): AsyncGenerator<RawRecord> {
  const badLines = new Set<number>();
  // csv-parse reports where a record ends in UTF-8 bytes; the bytes it has not passed yet are kept to turn offsets into start lines.
  const pos = new BytePositions();
  async function* text(): AsyncGenerator<string> {
    for await (const c of readChars(path, opts)) {
      for (const b of c.badLines) badLines.add(b);
      pos.append(Buffer.from(c.text, 'utf8'));
      yield c.text;
    }
  }
  const skipped: RawRecord[] = [];
  let resumeAfter = -1;
  let header: string[] | null = null;
  const parser = Readable.from(text()).pipe(
    parse({
      delimiter,
      bom: true,
      columns: (h: string[]) => {
        const names = h.map((x) => x.trim());
        const seen = new Set<string>();
        for (const n of names) {
          if (n === '') throw new LatheError('data_csv_header', `${path} line 1: the header has an empty column name.`, 'Give every column a name in the first row.');
          if (seen.has(n)) throw new LatheError('data_csv_header', `${path} line 1: column "${n}" appears twice in the header.`, 'Rename one of the columns so every name is unique.');
          seen.add(n);
        }
        header = names;
        return names;
      },
      info: true,
      relax_column_count: true,
      // Keep a quote that appears inside an unquoted field as a literal character (spreadsheets write these in TSV).
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      max_record_size: opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
      on_skip: (err: CsvError | undefined) => {
        if (!err) return;
        const e = err as CsvError & { lines?: number };
        const reason = e.code === 'CSV_QUOTE_NOT_CLOSED'
          ? 'a quoted field is never closed: the rest of the file from here is unreadable'
          : e.code === 'CSV_MAX_RECORD_SIZE'
            ? `row is longer than the ${opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES}-byte limit`
            : `bad CSV: ${e.message.replace(/\s+at line \d+.*$/, '')}`;
        const at = (e as unknown as { bytes?: number }).bytes;
        if (typeof at === 'number') resumeAfter = Math.max(resumeAfter, at);
        skipped.push({ line: e.lines ?? 0, issue: { field: '', code: e.code === 'CSV_MAX_RECORD_SIZE' ? 'line_too_long' : 'bad_row', reason } });
      },
    }),
  );
  let headerDone = false;
  try {
    for await (const row of parser as AsyncIterable<CsvRow>) {
      while (skipped.length) yield skipped.shift()!;
      const { info } = row;
      if (!headerDone) { pos.skipLine(true); headerDone = true; }
      if (resumeAfter >= 0) { pos.advanceTo(resumeAfter); pos.skipLine(false); resumeAfter = -1; }
      pos.skipNewlines();
      const start = pos.line;
      pos.advanceTo(info.bytes);
      let bad = 0;
      for (let l = start; l <= info.lines; l++) if (badLines.has(l)) { bad = l; break; }
      if (bad) { yield { line: start, issue: { field: '', code: 'invalid_utf8', reason: `invalid UTF-8 on line ${bad}` } }; continue; }
      if (info.error || info.invalid_field_length > 0) {
        const got = Array.isArray(info.error?.record) ? info.error!.record!.length : undefined;
        const want = header ? (header as string[]).length : undefined;
        yield { line: start, issue: { field: '', code: 'bad_row', reason: `row has ${got ?? 'a different number of'} fields, the header has ${want ?? 'another number'}` } };
        continue;
      }
      yield { line: start, value: row.record };
    }
    while (skipped.length) yield skipped.shift()!;
  } finally {
    parser.destroy();
  }
}

/** A forward-only cursor over the byte stream fed to the parser that counts lines; consumed chunks are dropped. */
class BytePositions {
  private chunks: Buffer[] = [];
  private base = 0; // absolute offset of chunks[0]
  private at = 0; // absolute cursor
  line = 1;

  append(b: Buffer): void {
    this.chunks.push(b);
  }

  private byteAt(p: number): number | undefined {
    let off = this.base;
    for (const c of this.chunks) {
      if (p < off + c.length) return c[p - off];
      off += c.length;
    }
    return undefined;
  }

  advanceTo(target: number): void {
    while (this.at < target && this.chunks.length) {
      const c = this.chunks[0];
      const end = Math.min(target, this.base + c.length);
      for (let i = this.at - this.base; i < end - this.base; i++) if (c[i] === 10) this.line++;
      this.at = end;
      if (this.at >= this.base + c.length) { this.base += c.length; this.chunks.shift(); }
    }
  }

  skipNewlines(): void {
    for (let b = this.byteAt(this.at); b === 10 || b === 13; b = this.byteAt(this.at)) this.advanceTo(this.at + 1);
  }

  /** Moves past the next newline; `quoted` honours double quotes (a header with a quoted newline). */
  skipLine(quoted: boolean): void {
    let inQ = false;
    for (let b = this.byteAt(this.at); b !== undefined; b = this.byteAt(this.at)) {
      this.advanceTo(this.at + 1);
      if (quoted && b === 34) inQ = !inQ;
      if (b === 10 && !inQ) return;
    }
  }
}
