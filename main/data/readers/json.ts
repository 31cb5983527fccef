// Streaming JSON reader: a top-level array of rows, or an object with a list field; rows are cut out by bracket matching and parsed one at a time.
import { LatheError } from '../../api/errors';
import { DEFAULT_MAX_RECORD_BYTES, type RawRecord, type ReaderOptions } from '../types';
import { readChars } from './chars';
import { describeType, jsonErrorReason } from './jsonl';

export interface JsonReadInfo {
  /** The top-level field the rows came from (object files), or null for a top-level array. */
  field: string | null;
}

const WS = new Set([' ', '\t', '\n', '\r']);

/**
 * Constant memory apart from one row: only the row being cut out is buffered (capped at `maxRecordBytes`).
 * Whether the file is an array or an object, and which field holds the rows, is decided while scanning.
 */
export async function* readJson(path: string, opts: ReaderOptions = {}, info: JsonReadInfo = { field: null }): AsyncGenerator<RawRecord> {
  const maxRecord = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  let top: 'none' | 'array' | 'object' = 'none';
  let depth = 0;
  let inString = false;
  let escape = false;
  let line = 1;
  // Object-mode bookkeeping: the current depth-1 key, and whether a depth-1 value is expected next.
  let keyBuf: string[] | null = null;
  let lastKey = '';
  let expectValue = false;
  let listDepth = -1; // depth at which row values live, once the list is found
  let probing = false; // just entered a candidate list with no field chosen: the first row decides
  let listDone = false;
  // Row capture.
  let rowStartLine = 0;
  let rowParts: string[] = [];
  let rowLen = 0;
  let rowTooLong = false;
  let rowBad: number[] = [];
  let capturing = false;
  let needComma = false;
  let missingComma = false;
  const badLines = new Set<number>();

  const finishRow = (): RawRecord => {
    const rec: RawRecord = { line: rowStartLine };
    const bad = rowBad;
    capturing = false;
    if (rowTooLong) rec.issue = { field: '', code: 'line_too_long', reason: `row is longer than the ${maxRecord}-byte limit` };
    else if (bad.length) rec.issue = { field: '', code: 'invalid_utf8', reason: `invalid UTF-8 on line ${bad[0]}` };
    else if (missingComma) rec.issue = { field: '', code: 'bad_json', reason: 'bad JSON: missing comma before this row' };
    else {
      try {
        const v: unknown = JSON.parse(rowParts.join(''));
        if (v === null || typeof v !== 'object' || Array.isArray(v)) rec.issue = { field: '', code: 'wrong_type', reason: `row is ${describeType(v)}, expected a JSON object` };
        else rec.value = v as Record<string, unknown>;
      } catch (err) {
        rec.issue = { field: '', code: 'bad_json', reason: jsonErrorReason(err) };
      }
    }
    rowParts = [];
    rowLen = 0;
    rowTooLong = false;
    rowBad = [];
    missingComma = false;
    needComma = true;
    return rec;
  };

  for await (const chunk of readChars(path, opts)) {
    for (const b of chunk.badLines) badLines.add(b);
    const s = chunk.text;
    const out: RawRecord[] = [];
    let segStart = capturing ? 0 : -1;
    // Scalar rows are never valid; they are cut out only so they can be reported as the wrong type.
    const endScalar = (i: number): void => {
      rowParts.push(s.slice(segStart, i + 1));
      out.push(finishRow());
      segStart = -1;
    };
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c === '\n') line++;
      if (inString) {
        if (escape) escape = false;
        else if (c === '\\') escape = true;
        else if (c === '"') {
          inString = false;
          if (capturing && depth === listDepth) endScalar(i); // a string row
          continue;
        }
        if (keyBuf) keyBuf.push(c);
        continue;
      }
      if (WS.has(c)) continue;
      if (top === 'none') {
        if (c === '[') { top = 'array'; depth = 1; listDepth = 1; info.field = null; continue; }
        if (c === '{') { top = 'object'; depth = 1; continue; }
        throw new LatheError('data_json_shape', `${path} line ${line}: a JSON dataset must be an array of rows or an object with a list of rows, found '${c}'.`, 'If each line is one JSON object, name the file .jsonl.');
      }
      // Start of a row.
      if (!capturing && depth === listDepth && !listDone && c !== ',' && c !== ']') {
        if (probing) {
          probing = false;
          if (c !== '{') { listDepth = -1; } // not a list of objects: keep looking for another field
          else info.field = lastKey;
        }
        if (listDepth === depth) {
          if (needComma) missingComma = true;
          capturing = true;
          rowStartLine = line;
          segStart = i;
        }
      }
      if (c === ',' && depth === listDepth && !capturing) { needComma = false; continue; }
      if (c === '"') {
        inString = true;
        if (top === 'object' && depth === 1 && !expectValue && !capturing) keyBuf = [];
        continue;
      }
      if (top === 'object' && depth === 1 && !capturing) {
        if (c === ':') { expectValue = true; if (keyBuf) { lastKey = keyBuf.join(''); keyBuf = null; } continue; }
        if (c === ',') { expectValue = false; continue; }
      }
      if (c === '{' || c === '[') {
        if (top === 'object' && depth === 1 && expectValue && c === '[' && listDepth < 0 && !listDone) {
          if (opts.jsonField === undefined || opts.jsonField === lastKey) { listDepth = 2; probing = opts.jsonField === undefined; needComma = false; if (!probing) info.field = lastKey; }
        }
        if (depth === 1 && top === 'object') expectValue = false;
        depth++;
        continue;
      }
      if (c === '}' || c === ']') {
        depth--;
        if (capturing && depth === listDepth) {
          // The row is an object or array that just closed.
          const piece = s.slice(segStart, i + 1);
          rowParts.push(piece);
          rowLen += piece.length;
          if (rowLen > maxRecord) rowTooLong = true;
          for (let l = rowStartLine; l <= line; l++) if (badLines.has(l)) rowBad.push(l);
          out.push(finishRow());
          segStart = -1;
        } else if (depth === listDepth - 1 && listDepth > 0 && !capturing) {
          if (probing) { probing = false; listDepth = -1; continue; } // empty list: not the one
          listDone = true;
          needComma = false;
        }
        continue;
      }
      if (top === 'object' && depth === 1 && expectValue) expectValue = false; // a scalar value at depth 1
      if (capturing && depth === listDepth) {
        const n = s[i + 1];
        if (n === undefined || n === ',' || n === ']' || WS.has(n)) endScalar(i); // a number/true/false/null row
      }
    }
    if (capturing) {
      const piece = s.slice(segStart < 0 ? 0 : segStart);
      if (!rowTooLong) {
        rowLen += piece.length;
        if (rowLen > maxRecord) { rowTooLong = true; rowParts = []; } else rowParts.push(piece);
      }
    }
    for (const r of out) yield r;
    // Bad lines before the current row can no longer matter.
    if (!capturing) badLines.clear();
  }
  if (capturing) {
    yield { line: rowStartLine, issue: { field: '', code: 'truncated', reason: 'the file ends in the middle of this row (cut off?)' } };
  } else if (top === 'none') {
    throw new LatheError('data_empty', `${path} is empty.`, 'Pick a file that contains rows.');
  } else if (top === 'object' && listDepth < 0 && !listDone) {
    throw new LatheError(
      'data_json_shape',
      opts.jsonField ? `${path}: the top-level field "${opts.jsonField}" is missing or is not a list.` : `${path}: no top-level field holds a list of row objects.`,
      'A JSON dataset is an array of rows, or an object with a field that holds the array (pick it with --json-field).',
    );
  } else if (depth !== 0) {
    yield { line, issue: { field: '', code: 'truncated', reason: 'the file ends before the JSON is closed (cut off?)' } };
  }
}
