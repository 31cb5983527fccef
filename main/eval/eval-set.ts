// Eval sets: JSONL rows {prompt | messages, expected?, check}, validated row by row like a dataset import. A set with
// any broken row is refused as a whole, with every bad row listed (line, field, reason): nothing runs on it silently.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { createHash } from 'node:crypto';
import { LatheError } from '../api/errors';
import type { ChatMessage } from '../models/chat-template';
import { CHECK_KINDS, compileCheck, type CheckKind, type CheckSpec, type CompiledCheck } from './checks';

export interface EvalSetRow {
  line: number;
  /** The conversation up to the answer (a bare prompt becomes one user message). */
  messages: ChatMessage[];
  expected?: string;
  spec: CheckSpec;
  check: CompiledCheck;
}

export interface EvalSetIssue {
  line: number;
  field: string;
  reason: string;
}

export interface EvalSet {
  file: string;
  /** sha256 of the file's bytes: the lineage an eval record keeps. */
  hash: string;
  rows: EvalSetRow[];
}

/** Eval sets are small by nature; a larger file is almost certainly the wrong file. */
const MAX_BYTES = 64 * 1024 * 1024;
const ROW_KEYS = new Set(['id', 'prompt', 'messages', 'system', 'expected', 'check']);
const ROLES = new Set(['system', 'user', 'assistant']);

function parseMessages(v: unknown): ChatMessage[] {
  if (!Array.isArray(v) || v.length === 0) throw new Error('messages: must be a non-empty list of {role, content}');
  return v.map((m, i) => {
    const o = m as { role?: unknown; content?: unknown };
    if (!o || typeof o !== 'object' || typeof o.role !== 'string' || typeof o.content !== 'string') throw new Error(`messages[${i}]: must be {role: string, content: string}`);
    if (!ROLES.has(o.role)) throw new Error(`messages[${i}].role: unknown role "${o.role}" (use system, user or assistant)`);
    return { role: o.role, content: o.content };
  });
}

function parseSpec(v: unknown): CheckSpec {
  if (typeof v === 'string') v = { kind: v };
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`check: must be a check kind (${CHECK_KINDS.join(', ')}) or an object {kind, ...}`);
  const o = v as Record<string, unknown>;
  if (typeof o.kind !== 'string' || !CHECK_KINDS.includes(o.kind as CheckKind)) throw new Error(`check.kind: must be one of ${CHECK_KINDS.join(', ')} (got ${JSON.stringify(o.kind)})`);
  for (const k of ['pattern', 'flags', 'schemaFile'] as const) if (o[k] !== undefined && typeof o[k] !== 'string') throw new Error(`check.${k}: must be a string`);
  if (o.ignoreCase !== undefined && typeof o.ignoreCase !== 'boolean') throw new Error('check.ignoreCase: must be true or false');
  if (o.schema !== undefined && (typeof o.schema !== 'object' || o.schema === null || Array.isArray(o.schema)) && typeof o.schema !== 'boolean') throw new Error('check.schema: must be a JSON schema object');
  return o as unknown as CheckSpec;
}

/** Reads a check's schemaFile relative to the eval set; schemas are shared by many rows, so each file is read once. */
function schemaLoader(baseDir: string): (file: string) => unknown {
  const cache = new Map<string, unknown>();
  return (file) => {
    const path = isAbsolute(file) ? file : join(baseDir, file);
    if (!cache.has(path)) {
      if (!existsSync(path)) throw new Error(`check.schemaFile: ${path} does not exist`);
      try {
        cache.set(path, JSON.parse(readFileSync(path, 'utf8')));
      } catch (err) {
        throw new Error(`check.schemaFile: ${path} is not valid JSON (${(err as Error).message})`, { cause: err });
      }
    }
    return cache.get(path);
  };
}

/** Validates one parsed row; throws an Error whose message starts with the field at fault. */
function parseRow(value: unknown, loadSchema: (f: string) => unknown): Omit<EvalSetRow, 'line'> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('(row): must be a JSON object');
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !ROW_KEYS.has(k));
  if (unknown.length) throw new Error(`${unknown[0]}: unknown field (a row has ${[...ROW_KEYS].join(', ')})`);
  if ((o.prompt === undefined) === (o.messages === undefined)) throw new Error('prompt: give exactly one of prompt or messages');
  let messages: ChatMessage[];
  if (o.prompt !== undefined) {
    if (typeof o.prompt !== 'string' || !o.prompt.trim()) throw new Error('prompt: must be a non-empty string');
    messages = [{ role: 'user', content: o.prompt }];
  } else messages = parseMessages(o.messages);
  if (o.system !== undefined) {
    if (typeof o.system !== 'string') throw new Error('system: must be a string');
    messages = [{ role: 'system', content: o.system }, ...messages];
  }
  if (messages.at(-1)!.role !== 'user') throw new Error('messages: must end with a user turn (the model writes the answer)');
  let expected: string | undefined;
  if (o.expected !== undefined) {
    if (typeof o.expected === 'string') expected = o.expected;
    else if (o.expected !== null && typeof o.expected === 'object') expected = JSON.stringify(o.expected);
    else throw new Error('expected: must be a string (or a JSON object/array for a json check)');
  }
  if (o.check === undefined) throw new Error('check: missing (e.g. "check": "exact" or {"kind": "regex", "pattern": "..."})');
  const spec = parseSpec(o.check);
  const fromFile = spec.schemaFile !== undefined && spec.schema === undefined ? loadSchema(spec.schemaFile) : undefined;
  return { messages, expected, spec, check: compileCheck(spec, expected, fromFile) };
}

/** Validates every row; returns the rows and every issue (the caller decides to refuse). */
export function parseEvalSet(text: string, file: string): { rows: EvalSetRow[]; issues: EvalSetIssue[] } {
  const rows: EvalSetRow[] = [];
  const issues: EvalSetIssue[] = [];
  const loadSchema = schemaLoader(dirname(file));
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      issues.push({ line, field: '(row)', reason: `not valid JSON: ${(err as Error).message}` });
      return;
    }
    try {
      rows.push({ line, ...parseRow(value, loadSchema) });
    } catch (err) {
      const msg = (err as Error).message;
      const at = msg.indexOf(': ');
      issues.push({ line, field: at > 0 ? msg.slice(0, at) : '(row)', reason: at > 0 ? msg.slice(at + 2) : msg });
    }
  });
  return { rows, issues };
}

export function formatIssues(file: string, issues: EvalSetIssue[], max = 20): string {
  const shown = issues.slice(0, max).map((x) => `  ${file} line ${x.line}, ${x.field}: ${x.reason}`);
  if (issues.length > max) shown.push(`  ... and ${issues.length - max} more`);
  return shown.join('\n');
}

/** Loads an eval set, refusing it (LatheError 'eval.badRows' listing every bad row) when any row is broken. */
export function loadEvalSet(file: string): EvalSet {
  if (!existsSync(file) || !statSync(file).isFile()) throw new LatheError('eval.notFound', `The eval set ${file} does not exist.`, 'Give the path of a JSONL file with rows {prompt | messages, expected?, check}.');
  if (statSync(file).size > MAX_BYTES) throw new LatheError('eval.tooLarge', `The eval set ${file} is over ${MAX_BYTES >> 20} MiB.`, 'An eval set is a few hundred to a few thousand rows; check that this is the right file.');
  const bytes = readFileSync(file);
  const { rows, issues } = parseEvalSet(bytes.toString('utf8'), file);
  if (issues.length) {
    throw new LatheError('eval.badRows', `${issues.length} bad row${issues.length === 1 ? '' : 's'} in the eval set; nothing was run:\n${formatIssues(file, issues)}`, 'Fix each listed row (line, field, reason) and run again.');
  }
  if (!rows.length) throw new LatheError('eval.empty', `The eval set ${file} has no rows.`, 'Write one JSON object per line: {"prompt": "...", "expected": "...", "check": "exact"}.');
  return { file, hash: createHash('sha256').update(bytes).digest('hex'), rows };
}
