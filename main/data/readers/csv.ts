// CSV/TSV reader over csv-parse: header row gives field names, quoted newlines allowed, broken rows reported with their line.
import { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { LatheError } from '../../api/errors';
import { DEFAULT_MAX_RECORD_BYTES, type RawRecord, type ReaderOptions } from '../types';
import { readChars } from './chars';

interface CsvRow {
  record: Record<string, string>;
  info: { lines: number; empty_lines: number; comment_lines: number; invalid_field_length: number; error?: { code: string; record?: unknown[] } };
}

export async function* readCsv(path: string, delimiter: ',' | '\t', opts: ReaderOptions = {}): AsyncGenerator<RawRecord> {
  const badLines = new Set<number>();
  async function* text(): AsyncGenerator<string> {
    for await (const c of readChars(path, opts)) {
      for (const b of c.badLines) badLines.add(b);
      yield c.text;
    }
  }
  const skipped: RawRecord[] = [];
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
        skipped.push({ line: e.lines ?? 0, issue: { field: '', code: e.code === 'CSV_MAX_RECORD_SIZE' ? 'line_too_long' : 'bad_row', reason } });
      },
    }),
  );
  let prevEnd = 1; // the header line
  let prevEmpty = 0;
  let prevComment = 0;
  try {
    for await (const row of parser as AsyncIterable<CsvRow>) {
      while (skipped.length) yield skipped.shift()!;
      const { info } = row;
      const start = prevEnd + 1 + (info.empty_lines - prevEmpty) + (info.comment_lines - prevComment);
      prevEnd = info.lines;
      prevEmpty = info.empty_lines;
      prevComment = info.comment_lines;
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
