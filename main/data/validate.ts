// The validation pass: reads a dataset, detects its format, checks every row and yields normalised examples while filling the report.
import { basename } from 'node:path';
import { LatheError } from '../api/errors';
import { applyFieldMap, detectFormat, sourceField, type FieldMap, type FormatGuess } from './detect';
import { DedupSet } from './dedup';
import { contentKey, normalizeRow } from './normalize';
import { detectSourceKind, newReaderState, readRecords } from './readers';
import type { DataFormat, Example, IssueCode, RawRecord, ReaderOptions, RowIssue, SourceKind } from './types';

export interface ValidateOptions extends ReaderOptions {
  /** Container type; detected from the extension when absent. */
  source?: SourceKind;
  /** Dataset schema; detected from the first rows when absent. */
  format?: DataFormat;
  map?: FieldMap;
  /** skip (default): bad rows are listed and left out. abort: the first bad row stops the import. */
  onInvalid?: 'skip' | 'abort';
  /** Rows read before the format is decided (default 200). */
  sampleSize?: number;
  /** At most this many issues are kept in the report (default 100,000); the counts stay exact beyond it. */
  maxListed?: number;
  /** Called for every issue, including those beyond maxListed (the library writes them all to a file). */
  onIssue?: (issue: RowIssue) => void;
  /** Name shown in messages instead of the full path. */
  displayName?: string;
}

export interface ValidationReport {
  file: string;
  source: SourceKind;
  format: DataFormat;
  /** 1 when the user named the format; otherwise the detection confidence. */
  confidence: number;
  detected: FormatGuess[];
  fields: string[];
  map: FieldMap;
  /** JSON files: the top-level field the rows came from. */
  jsonField: string | null;
  /** Rows read (valid + invalid, duplicates included; blank lines excluded). */
  total: number;
  valid: number;
  /** Rows left out, duplicates included. */
  invalidCount: number;
  duplicates: number;
  emptyLines: number;
  byCode: Partial<Record<IssueCode, number>>;
  invalid: RowIssue[];
  /** True when more issues exist than `invalid` lists. */
  invalidTruncated: boolean;
}

export function emptyReport(file: string, source: SourceKind): ValidationReport {
  return {
    file, source, format: 'text', confidence: 0, detected: [], fields: [], map: {}, jsonField: null,
    total: 0, valid: 0, invalidCount: 0, duplicates: 0, emptyLines: 0, byCode: {}, invalid: [], invalidTruncated: false,
  };
}

/**
 * Yields every valid, de-duplicated example in file order; `report` is complete when the generator finishes.
 * Memory: the detection sample, the duplicate hashes (16 bytes a row) and the listed issues.
 */
export async function* validateDataset(path: string, opts: ValidateOptions, report: ValidationReport): AsyncGenerator<Example> {
  const name = opts.displayName ?? basename(path);
  const source = opts.source ?? (await detectSourceKind(path));
  Object.assign(report, emptyReport(name, source));
  report.map = opts.map ?? {};
  const maxListed = opts.maxListed ?? 100_000;
  const state = newReaderState();
  const records = readRecords(path, source, opts, state);
  const dedup = new DedupSet();

  const addIssue = (issue: RowIssue): void => {
    report.invalidCount++;
    report.byCode[issue.code] = (report.byCode[issue.code] ?? 0) + 1;
    if (issue.code === 'duplicate') report.duplicates++;
    if (report.invalid.length < maxListed) report.invalid.push(issue);
    else report.invalidTruncated = true;
    opts.onIssue?.(issue);
    if (opts.onInvalid === 'abort') {
      const where = `${issue.file ?? name} ${source === 'parquet' ? 'row' : 'line'} ${issue.line}`;
      throw new LatheError('data_invalid_row', `${where}${issue.field ? `, field ${issue.field}` : ''}: ${issue.reason}.`, 'Fix this row in the file, or import with "skip invalid rows" to leave bad rows out (they are listed in the report).');
    }
  };

  // Decide the format from the first rows that parse.
  const sample: RawRecord[] = [];
  const sampleSize = opts.sampleSize ?? 200;
  let parsed = 0;
  let done = false;
  while (parsed < sampleSize) {
    const r = await records.next();
    if (r.done) { done = true; break; }
    sample.push(r.value);
    if (r.value.value) parsed++;
  }
  const rows = sample.filter((r) => r.value).map((r) => applyFieldMap(r.value!, opts.map));
  if (opts.format) {
    report.format = opts.format;
    report.confidence = 1;
    try {
      const d = detectFormat(rows, name);
      report.detected = d.candidates;
      report.fields = d.fields;
    } catch {
      report.fields = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    }
  } else if (rows.length === 0) {
    // Nothing parsed: report every row's problem, with no format to speak of.
    report.jsonField = state.json.field;
    report.emptyLines = state.emptyLines;
    for (const r of sample) addIssue({ line: r.line, ...(r.file ? { file: r.file } : {}), ...r.issue! });
    if (report.total === 0 && report.invalidCount === 0) throw new LatheError('data_empty', `${name} contains no rows.`, 'Pick a file that contains examples.');
    report.total = report.invalidCount;
    return;
  } else {
    const d = detectFormat(rows, name);
    report.format = d.format;
    report.confidence = d.confidence;
    report.detected = d.candidates;
    report.fields = d.fields;
  }

  const handle = (r: RawRecord): Example | null => {
    report.total++;
    const where = { line: r.line, ...(r.file ? { file: r.file } : {}) };
    if (r.issue) { addIssue({ ...where, ...r.issue }); return null; }
    const res = normalizeRow(applyFieldMap(r.value!, opts.map), report.format, r.line);
    if ('issue' in res) {
      // Named as the file names it: a mapped column or message key is reported under its own name.
      const field = sourceField(res.issue.field, opts.map);
      addIssue({ ...where, ...res.issue, field, reason: field === res.issue.field ? res.issue.reason : res.issue.reason.split(res.issue.field).join(field) });
      return null;
    }
    const ex = res.example;
    if (r.file) ex.file = r.file;
    const first = dedup.add(contentKey(ex), r.line);
    if (first >= 0) {
      addIssue({ ...where, field: '', code: 'duplicate', reason: `exact duplicate of ${source === 'parquet' ? 'row' : 'line'} ${first}` });
      return null;
    }
    report.valid++;
    return ex;
  };

  for (const r of sample) {
    const ex = handle(r);
    if (ex) yield ex;
  }
  sample.length = 0;
  if (!done) {
    for await (const r of records) {
      const ex = handle(r);
      if (ex) yield ex;
    }
  }
  report.jsonField = state.json.field;
  report.emptyLines = state.emptyLines;
  if (report.total === 0) throw new LatheError('data_empty', `${name} contains no rows.`, 'Pick a file that contains examples.');
}

/** Runs the validation pass to the end, discarding examples; returns the report. */
export async function validateFile(path: string, opts: ValidateOptions = {}): Promise<ValidationReport> {
  const report = emptyReport(basename(path), 'jsonl');
  for await (const _ of validateDataset(path, opts, report)) { /* counting only */ }
  return report;
}
