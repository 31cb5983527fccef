// Format detection, column mapping, per-row validation and the report: every bad row listed with line, field and reason.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { detectFormat, parseFieldMap } from '../../../main/data/detect';
import { validateDataset, validateFile, emptyReport } from '../../../main/data/validate';
import type { Example } from '../../../main/data/types';

const FX = join(__dirname, '../../fixtures/data');

async function examples(file: string, opts = {}): Promise<Example[]> {
  const out: Example[] = [];
  for await (const e of validateDataset(join(FX, file), opts, emptyReport(file, 'jsonl'))) out.push(e);
  return out;
}

describe('format detection', () => {
  it.each([
    ['alpaca.jsonl', 'alpaca'],
    ['alpaca.csv', 'alpaca'],
    ['alpaca.tsv', 'alpaca'],
    ['alpaca.parquet', 'alpaca'],
    ['sharegpt.json', 'sharegpt'],
    ['messages.jsonl', 'messages'],
    ['messages-object.json', 'messages'],
    ['preference.jsonl', 'preference'],
    ['completion.jsonl', 'completion'],
    ['text.jsonl', 'text'],
    ['docs', 'text'],
  ])('%s is %s', async (file, format) => {
    const r = await validateFile(join(FX, file));
    expect(r.format).toBe(format);
    expect(r.confidence).toBeGreaterThanOrEqual(0.9);
  });

  it('prefers preference over completion when rows have prompt, chosen and rejected', () => {
    const d = detectFormat([{ prompt: 'a', chosen: 'b', rejected: 'c', completion: 'x' }]);
    expect(d.format).toBe('preference');
    expect(d.candidates.map((c) => c.format)).toContain('completion');
  });

  it('reports a mixed sample with partial confidence', () => {
    const d = detectFormat([{ instruction: 'a', output: 'b' }, { instruction: 'a', output: 'b' }, { text: 'x' }, { instruction: 'c', output: 'd' }]);
    expect(d).toMatchObject({ format: 'alpaca', confidence: 0.75 });
  });

  it('refuses to guess when no format fits, naming the fields seen', () => {
    expect(() => detectFormat([{ question: 'a', answer: 'b' }], 'qa.csv')).toThrow(/"question", "answer"/);
  });

  it('maps other column names onto a format', async () => {
    const r = await validateFile(join(FX, 'mapped.csv'), { map: parseFieldMap(['instruction=question', 'output=answer']) });
    expect(r).toMatchObject({ format: 'alpaca', valid: 2, invalidCount: 0 });
    const ex = await examples('mapped.csv', { map: { instruction: 'question', output: 'answer' } });
    expect(ex[0].messages).toEqual([{ role: 'user', content: 'What is 3+4?' }, { role: 'assistant', content: '7' }]);
    expect(() => parseFieldMap(['nonsense=x'])).toThrow(/not a field/);
    expect(() => parseFieldMap(['instruction'])).toThrow(/field=column/);
  });

  it('accepts a format override', async () => {
    const r = await validateFile(join(FX, 'alpaca.jsonl'), { format: 'text' });
    expect(r).toMatchObject({ format: 'text', confidence: 1, valid: 0, invalidCount: 4 });
    expect(r.invalid[0]).toMatchObject({ line: 1, field: 'text', code: 'missing_field' });
  });
});

describe('validation report', () => {
  it('lists every bad row of bad.jsonl with line, field and reason, with exact counts', async () => {
    const r = await validateFile(join(FX, 'bad.jsonl'));
    expect(r.format).toBe('alpaca');
    expect(r.invalid.map((i) => [i.line, i.field, i.code])).toEqual([
      [2, '', 'bad_json'],
      [3, 'output', 'missing_field'],
      [4, 'output', 'wrong_type'],
      [5, 'output', 'empty_answer'],
      [6, '', 'duplicate'],
      [9, '', 'wrong_type'],
      [10, '', 'truncated'],
    ]);
    expect(r.invalid[2].reason).toBe('field "output" is a number, expected a string');
    expect(r.invalid[4].reason).toBe('exact duplicate of line 1');
    expect(r).toMatchObject({ total: 9, valid: 2, invalidCount: 7, duplicates: 1, emptyLines: 1 });
    expect(r.byCode).toEqual({ bad_json: 1, missing_field: 1, wrong_type: 2, empty_answer: 1, duplicate: 1, truncated: 1 });
    expect(r.total).toBe(r.valid + r.invalidCount);
  });

  it('checks conversation structure', async () => {
    const r = await validateFile(join(FX, 'bad-messages.jsonl'));
    expect(r.invalid.map((i) => [i.line, i.field, i.code])).toEqual([
      [1, 'messages[1].role', 'unknown_role'],
      [2, 'messages[1].role', 'not_alternating'],
      [3, 'messages', 'no_answer'],
      [4, 'messages[0].role', 'not_alternating'],
      [5, 'messages', 'wrong_type'],
    ]);
    expect(r.valid).toBe(1);
  });

  it('validates preference pairs: strings or lists, shared prompt removed, identical pairs refused', async () => {
    const ex = await examples('preference.jsonl');
    expect(ex).toHaveLength(2);
    expect(ex[1]).toMatchObject({ kind: 'preference', messages: [{ role: 'user', content: 'Pick a number.' }], chosen: [{ role: 'assistant', content: '7' }], rejected: [{ role: 'assistant', content: 'no' }] });
    const r = await validateFile(join(FX, 'preference.jsonl'));
    expect(r.invalid).toEqual([{ line: 3, field: 'rejected', code: 'identical_pair', reason: 'chosen and rejected are the same answer, so there is no preference to learn' }]);
  });

  it('normalises every format to messages', async () => {
    const a = await examples('alpaca.jsonl');
    expect(a[0].messages[0].content).toBe('Turn the note into JSON.\n\ncall Ana re: invoice, ana@example.com');
    expect(a[2].messages[0]).toEqual({ role: 'system', content: 'You are terse.' });
    const s = await examples('sharegpt.json');
    expect(s[1].messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant']);
    const m = await examples('messages.jsonl');
    expect(m[2].messages[0].content).toBe('Parts joined');
    const c = await examples('completion.jsonl');
    expect(c[1]).toMatchObject({ kind: 'completion', messages: [{ role: 'user', content: '' }, { role: 'assistant', content: 'Once upon a time.' }] });
    const t = await examples('docs', { textUnit: 'paragraph' });
    expect(t.map((e) => `${e.file}:${e.line}`)).toEqual(['a.md:1', 'a.md:3', 'a.md:7', 'b.txt:1', 'sub/c.md:1', 'sub/c.md:3']);
  });

  it('reports encoding problems as rows, and Parquet rows by number', async () => {
    const r = await validateFile(join(FX, 'invalid-utf8.jsonl'));
    expect(r).toMatchObject({ valid: 3, invalidCount: 1 });
    expect(r.invalid[0]).toMatchObject({ line: 3, code: 'invalid_utf8' });
    const p = await validateFile(join(FX, 'alpaca.parquet'));
    expect(p).toMatchObject({ source: 'parquet', valid: 4, invalidCount: 1 });
    expect(p.invalid[0]).toMatchObject({ line: 4, field: 'output', code: 'empty_answer' });
  });

  it('aborts on the first bad row when asked, naming file, line and field', async () => {
    const err = await validateFile(join(FX, 'bad.jsonl'), { onInvalid: 'abort' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'data_invalid_row' });
    expect((err as Error).message).toMatch(/^bad\.jsonl line 2: bad JSON: /);
    const err2 = await validateFile(join(FX, 'bad-messages.jsonl'), { onInvalid: 'abort' }).catch((e: unknown) => e);
    expect((err2 as Error).message).toBe('bad-messages.jsonl line 1, field messages[1].role: messages[1].role is "robot" (expected system, developer, user, assistant, tool, observation or function_call; to use it: --map role.assistant=robot or --map role.user=robot).');
  });

  it('caps the listed issues but keeps exact counts', async () => {
    const r = await validateFile(join(FX, 'bad.jsonl'), { maxListed: 2 });
    expect(r.invalid).toHaveLength(2);
    expect(r.invalidTruncated).toBe(true);
    expect(r.invalidCount).toBe(7);
  });
});

describe('demo datasets', () => {
  it.each([
    ['contacts-sft.jsonl', 'alpaca', 400],
    ['contacts-preference.jsonl', 'preference', 200],
  ])('%s is a clean %s set of %i rows', async (file, format, n) => {
    const r = await validateFile(join(__dirname, '../../../assets/demo', file));
    expect(r).toMatchObject({ format, total: n, valid: n, invalidCount: 0 });
  });
});
