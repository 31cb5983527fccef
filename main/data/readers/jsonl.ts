// JSON Lines reader: one JSON object per line; bad JSON, non-object rows and a cut-off last line are reported with their line.
import type { RawRecord, ReaderOptions } from '../types';
import { readLines } from './lines';

/** Short, stable description of a JSON.parse failure (V8 messages embed the whole input for short strings). */
export function jsonErrorReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const pos = /position (\d+)/.exec(msg);
  const head = msg.split(/\s*\(|, "|\n/)[0].replace(/ in JSON at position \d+.*/, '');
  return `bad JSON: ${head}${pos ? ` (column ${Number(pos[1]) + 1})` : ''}`;
}

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Yields one record per non-empty line; `emptyLines` counts the blank lines skipped so they can be reported. */
export async function* readJsonl(path: string, opts: ReaderOptions = {}, counters?: { emptyLines: number }): AsyncGenerator<RawRecord> {
  for await (const batch of readLines(path, opts)) {
    for (const l of batch) {
      if (l.issue) { yield { line: l.line, issue: { field: '', ...l.issue } }; continue; }
      if (l.text.trim() === '') { if (counters) counters.emptyLines++; continue; }
      let value: unknown;
      try {
        value = JSON.parse(l.text);
      } catch (err) {
        yield {
          line: l.line,
          issue: l.newline
            ? { field: '', code: 'bad_json', reason: jsonErrorReason(err) }
            : { field: '', code: 'truncated', reason: 'last line is cut off (the file ends in the middle of a record, without a newline)' },
        };
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        yield { line: l.line, issue: { field: '', code: 'wrong_type', reason: `row is ${describeType(value)}, expected a JSON object` } };
        continue;
      }
      yield { line: l.line, value: value as Record<string, unknown> };
    }
  }
}
