// Every check kind passes and fails where it should; broken rows (bad regex, bad schema, missing fields) are reported
// row by row with line, field and reason, and a set with any broken row is refused whole.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileCheck } from '../../../main/eval/checks';
import { loadEvalSet, parseEvalSet } from '../../../main/eval/eval-set';

const judge = (spec: Parameters<typeof compileCheck>[0], expected: string | undefined, out: string) => compileCheck(spec, expected, undefined).judge(out);

describe('checks', () => {
  it('exact compares trimmed text, optionally without case', () => {
    expect(judge({ kind: 'exact' }, 'Paris', '  Paris\n').pass).toBe(true);
    expect(judge({ kind: 'exact' }, 'Paris', 'paris').pass).toBe(false);
    expect(judge({ kind: 'exact', ignoreCase: true }, 'Paris', 'PARIS').pass).toBe(true);
  });
  it('contains finds the expected text', () => {
    expect(judge({ kind: 'contains' }, '42', 'The answer is 42.').pass).toBe(true);
    expect(judge({ kind: 'contains' }, '42', 'The answer is 41.')).toMatchObject({ pass: false, reason: expect.stringContaining('not found') });
  });
  it('regex uses the pattern, or the expected field, with flags', () => {
    expect(judge({ kind: 'regex', pattern: '^\\d{3}-\\d{4}$' }, undefined, '555-0100').pass).toBe(true);
    expect(judge({ kind: 'regex', pattern: '^\\d{3}-\\d{4}$' }, undefined, 'call 555-0100').pass).toBe(false);
    expect(judge({ kind: 'regex', flags: 'i' }, 'yes', 'YES').pass).toBe(true);
  });
  it('json parses (inside a code fence too) and compares with expected when given', () => {
    expect(judge({ kind: 'json' }, undefined, '{"a": 1}').pass).toBe(true);
    expect(judge({ kind: 'json' }, undefined, '```json\n{"a": 1}\n```').pass).toBe(true);
    expect(judge({ kind: 'json' }, undefined, '{"a": 1')).toMatchObject({ pass: false, reason: expect.stringContaining('not JSON') });
    expect(judge({ kind: 'json' }, '{"b":[1,2],"a":1}', '{"a":1,"b":[1,2]}').pass).toBe(true);
    expect(judge({ kind: 'json' }, '{"a":1}', '{"a":2}')).toMatchObject({ pass: false, reason: 'JSON differs from expected' });
  });
  it('json-schema validates with ajv', () => {
    const spec = { kind: 'json-schema' as const, schema: { type: 'object', required: ['phone'], properties: { phone: { type: 'string', pattern: '^\\+\\d+$' } } } };
    expect(judge(spec, undefined, '{"phone": "+15550100"}').pass).toBe(true);
    expect(judge(spec, undefined, '{"phone": "555-0100"}')).toMatchObject({ pass: false, reason: expect.stringContaining('/phone') });
    expect(judge(spec, undefined, 'phone: +1555')).toMatchObject({ pass: false, reason: expect.stringContaining('not JSON') });
  });
  it('choice passes when the picked option is the expected one', () => {
    expect(judge({ kind: 'choice', options: ['A', 'B'] }, 'B', 'B').pass).toBe(true);
    expect(judge({ kind: 'choice', options: ['A', 'B'] }, 'B', 'A').pass).toBe(false);
  });
  it('malformed checks throw an error naming the field', () => {
    expect(() => compileCheck({ kind: 'regex', pattern: '(' }, undefined)).toThrow(/^check\.pattern: invalid regular expression/);
    expect(() => compileCheck({ kind: 'json-schema', schema: { type: 'no-such-type' } }, undefined)).toThrow(/^check\.schema: invalid JSON schema/);
    expect(() => compileCheck({ kind: 'exact' }, undefined)).toThrow(/^expected:/);
    expect(() => compileCheck({ kind: 'choice', options: ['A'] }, 'A')).toThrow(/^check\.options:/);
    expect(() => compileCheck({ kind: 'choice', options: ['A', 'B'] }, 'C')).toThrow(/^expected:/);
  });
});

describe('eval sets', () => {
  const good = [
    { prompt: 'Capital of France?', expected: 'Paris', check: 'exact' },
    { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hi' }], check: { kind: 'regex', pattern: 'hi', flags: 'i' } },
  ];

  it('reads prompt and messages rows', () => {
    const { rows, issues } = parseEvalSet(good.map((r) => JSON.stringify(r)).join('\n') + '\n', '/x/set.jsonl');
    expect(issues).toEqual([]);
    expect(rows.map((r) => [r.line, r.messages.length, r.spec.kind])).toEqual([[1, 1, 'exact'], [2, 2, 'regex']]);
  });

  it('reports every broken row with line, field and reason', () => {
    const lines = [
      JSON.stringify(good[0]),
      '{"prompt": "unterminated',
      JSON.stringify({ prompt: 'x', check: { kind: 'regex', pattern: '([a-z' } }),
      JSON.stringify({ prompt: 'x', check: { kind: 'json-schema', schema: { type: 'nope' } } }),
      JSON.stringify({ prompt: 'x', check: 'fuzzy' }),
      JSON.stringify({ prompt: 'x' }),
      JSON.stringify({ prompt: 'x', messages: [], check: 'json' }),
      JSON.stringify({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }], check: 'json' }),
      JSON.stringify({ prompt: 'x', check: { kind: 'json-schema', schemaFile: 'missing.json' } }),
      JSON.stringify({ prompt: 'x', check: 'json', extra: 1 }),
    ];
    const { rows, issues } = parseEvalSet(lines.join('\n'), '/nowhere/set.jsonl');
    expect(rows).toHaveLength(1);
    expect(issues.map((i) => [i.line, i.field])).toEqual([
      [2, '(row)'],
      [3, 'check.pattern'],
      [4, 'check.schema'],
      [5, 'check.kind'],
      [6, 'check'],
      [7, 'prompt'],
      [8, 'messages'],
      [9, 'check.schemaFile'],
      [10, 'extra'],
    ]);
    expect(issues[1].reason).toMatch(/invalid regular expression/);
  });

  it('refuses a set with a broken row, listing it, and reads schema files beside the set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lathe-evalset-'));
    writeFileSync(join(dir, 's.json'), JSON.stringify({ type: 'object', required: ['a'] }));
    writeFileSync(join(dir, 'ok.jsonl'), JSON.stringify({ prompt: 'x', check: { kind: 'json-schema', schemaFile: 's.json' } }) + '\n');
    const set = loadEvalSet(join(dir, 'ok.jsonl'));
    expect(set.rows[0].check.judge('{"a":1}').pass).toBe(true);
    expect(set.rows[0].check.judge('{"b":1}').pass).toBe(false);
    expect(set.hash).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(dir, 'bad.jsonl'), JSON.stringify({ prompt: 'x', check: 'exact' }) + '\n' + JSON.stringify(good[0]) + '\n');
    expect(() => loadEvalSet(join(dir, 'bad.jsonl'))).toThrow(/1 bad row in the eval set; nothing was run:\n.*bad\.jsonl line 1, expected:/);
  });

  it('the bundled demo eval set is valid', () => {
    const set = loadEvalSet('assets/eval/contacts-eval.jsonl');
    expect(set.rows.length).toBe(36);
    expect(new Set(set.rows.map((r) => r.spec.kind))).toEqual(new Set(['json-schema', 'regex', 'choice']));
  });
});
