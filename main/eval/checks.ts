// Task-eval checks: each row's check is compiled once (a bad regex or schema is an error naming the row), then
// judges a generated answer. `choice` is judged from log-probs of its options, not from generated text.
import { Ajv, type ValidateFunction } from 'ajv';
import type { CheckKind } from '../api/eval-types';
export type { CheckKind };

export const CHECK_KINDS: CheckKind[] = ['exact', 'contains', 'regex', 'json', 'json-schema', 'choice'];

/** A check as written in an eval-set row (a bare kind string is the same as {kind}). */
export interface CheckSpec {
  kind: CheckKind;
  /** exact / contains: compare without letter case. */
  ignoreCase?: boolean;
  /** regex: the pattern (default: the row's expected) and its flags. */
  pattern?: string;
  flags?: string;
  /** json-schema: the schema inline, or a file relative to the eval set. */
  schema?: Record<string, unknown> | boolean;
  schemaFile?: string;
  /** choice: the candidate answers; expected names the right one. */
  options?: string[];
}

export interface CompiledCheck {
  kind: CheckKind;
  /** Judges a generated answer: pass, and why not. Not used for choice. */
  judge(output: string): { pass: boolean; reason?: string };
}

const ajv = new Ajv({ allErrors: false, strict: false });

/** Strips one surrounding Markdown code fence: models often wrap JSON in ```json ... ```. */
function unfence(s: string): string {
  const m = /^\s*```[a-zA-Z]*\n([\s\S]*?)\n?```\s*$/.exec(s);
  return m ? m[1] : s;
}

function parseJson(output: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(unfence(output).trim()) };
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Compiles a check for one row. Throws an Error whose message names the field at fault (the caller adds the line).
 * `schemaFromFile` is the parsed schemaFile, read by the caller (this module does no I/O).
 */
export function compileCheck(spec: CheckSpec, expected: string | undefined, schemaFromFile?: unknown): CompiledCheck {
  const fold = (s: string) => (spec.ignoreCase ? s.toLowerCase() : s);
  switch (spec.kind) {
    case 'exact':
    case 'contains': {
      if (expected === undefined) throw new Error(`expected: a "${spec.kind}" check needs the expected answer`);
      const want = fold(expected.trim());
      return {
        kind: spec.kind,
        judge: (out) => {
          const got = fold(out.trim());
          const pass = spec.kind === 'exact' ? got === want : got.includes(want);
          return pass ? { pass } : { pass, reason: spec.kind === 'exact' ? 'answer differs from expected' : 'expected text not found in the answer' };
        },
      };
    }
    case 'regex': {
      const pattern = spec.pattern ?? expected;
      if (pattern === undefined) throw new Error('check.pattern: a "regex" check needs a pattern (or the expected field)');
      let re: RegExp;
      try {
        re = new RegExp(pattern, spec.flags ?? '');
      } catch (err) {
        throw new Error(`check.pattern: invalid regular expression: ${(err as Error).message}`, { cause: err });
      }
      return { kind: 'regex', judge: (out) => (re.test(out) ? { pass: true } : { pass: false, reason: `no match for /${pattern}/` }) };
    }
    case 'json': {
      let want: unknown;
      if (expected !== undefined) {
        const p = parseJson(expected);
        if (!p.ok) throw new Error(`expected: a "json" check compares with expected, which must be JSON (${p.reason})`);
        want = p.value;
      }
      return {
        kind: 'json',
        judge: (out) => {
          const p = parseJson(out);
          if (!p.ok) return { pass: false, reason: p.reason };
          if (expected !== undefined && !deepEqual(p.value, want)) return { pass: false, reason: 'JSON differs from expected' };
          return { pass: true };
        },
      };
    }
    case 'json-schema': {
      const schema = spec.schema ?? schemaFromFile;
      if (schema === undefined) throw new Error('check.schema: a "json-schema" check needs schema (inline) or schemaFile');
      let validate: ValidateFunction;
      try {
        validate = ajv.compile(schema as object);
      } catch (err) {
        throw new Error(`check.${spec.schema !== undefined ? 'schema' : 'schemaFile'}: invalid JSON schema: ${(err as Error).message}`, { cause: err });
      }
      return {
        kind: 'json-schema',
        judge: (out) => {
          const p = parseJson(out);
          if (!p.ok) return { pass: false, reason: p.reason };
          if (validate(p.value)) return { pass: true };
          const e = validate.errors?.[0];
          return { pass: false, reason: `schema: ${e ? `${e.instancePath || '(root)'} ${e.message ?? ''}`.trim() : 'does not validate'}` };
        },
      };
    }
    case 'choice': {
      const opts = spec.options;
      if (!Array.isArray(opts) || opts.length < 2 || opts.some((o) => typeof o !== 'string' || o.length === 0)) {
        throw new Error('check.options: a "choice" check needs at least two non-empty option strings');
      }
      if (expected === undefined || !opts.includes(expected)) throw new Error(`expected: a "choice" check needs expected to be one of its options (${opts.map((o) => JSON.stringify(o)).join(', ')})`);
      return { kind: 'choice', judge: (out) => (out === expected ? { pass: true } : { pass: false, reason: `picked ${JSON.stringify(out)}` }) };
    }
    default:
      throw new Error(`check.kind: unknown check "${String((spec as { kind: unknown }).kind)}" (use one of ${CHECK_KINDS.join(', ')})`);
  }
}
