// Parquet written by an independent writer (arrow-rs via parquet-wasm, set up as pandas/pyarrow/HF write it): exact rows, issues and row numbers.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { readRecords } from '../../../main/data/readers';
import { lz4RawDecompress } from '../../../main/data/readers/parquet';
import { emptyReport, validateDataset, type ValidationReport } from '../../../main/data/validate';
import type { Example, RawRecord, RowIssue } from '../../../main/data/types';

// Made by test/fixtures/parquet-wild/make.mjs; the generator's packages are not needed here.
const FX = join(__dirname, '../../fixtures/parquet-wild');

async function importFile(file: string): Promise<{ report: ValidationReport; examples: Example[] }> {
  const report = emptyReport(file, 'parquet');
  const examples: Example[] = [];
  for await (const e of validateDataset(join(FX, file), {}, report)) examples.push(e);
  return { report, examples };
}

async function records(file: string): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of readRecords(join(FX, file), 'parquet')) out.push(r);
  return out;
}

/** What the file says about itself, so each fixture is checked to be the shape it claims (codec, encodings, row groups). */
function shape(file: string) {
  const buf = readFileSync(join(FX, file));
  const md = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return {
    createdBy: md.created_by,
    keys: (md.key_value_metadata ?? []).map((k) => k.key),
    groups: md.row_groups.map((g) => Number(g.num_rows)),
    codecs: [...new Set(md.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data!.codec)))],
    encodings: [...new Set(md.row_groups.flatMap((g) => g.columns.flatMap((c) => c.meta_data!.encodings)))].sort(),
    pageEncodings: (column: string) => md.row_groups.map((g) => {
      const c = g.columns.find((x) => x.meta_data!.path_in_schema.join('.') === column)!;
      return (c.meta_data!.encoding_stats ?? []).filter((s) => s.page_type === 'DATA_PAGE').map((s) => `${s.encoding}x${s.count}`).join(',');
    }),
    schema: md.schema.map((s) => s.name),
  };
}

// ---- the chat files: one table, written five ways ----

const CHAT_EXAMPLES = [
  { line: 1, kind: 'chat', messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Capital of France?' }, { role: 'assistant', content: 'Paris.' }] },
  { line: 2, kind: 'chat', messages: [{ role: 'user', content: 'Translate "good morning" into Japanese.' }, { role: 'assistant', content: 'おはようございます 🌅' }] },
  // Whitespace is data: nothing trims a turn on the way in.
  { line: 4, kind: 'chat', messages: [{ role: 'user', content: '  Keep my leading spaces.' }, { role: 'assistant', content: '\tand my tab, and trailing newline\n' }] },
  // Combining marks, ZWJ sequences and astral-plane letters come through as the same code points.
  {
    line: 9,
    kind: 'chat',
    messages: [
      { role: 'user', content: 'e\u0301 (combining) vs é, and a ZWJ: 👩‍💻' },
      { role: 'assistant', content: 'Two code points vs one.' },
      { role: 'user', content: 'And 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 outside the BMP?' },
      { role: 'assistant', content: 'Surrogate pairs in UTF-16, four bytes in UTF-8.' },
    ],
  },
];

const CHAT_ISSUES: RowIssue[] = [
  { line: 3, field: 'messages[1].content', code: 'empty_answer', reason: 'messages[1] (assistant) is empty' },
  { line: 5, field: 'messages', code: 'missing_field', reason: 'field "messages" is missing' },
  { line: 6, field: 'messages[1]', code: 'wrong_type', reason: 'messages[1] is null, expected a message object' },
  // Row 7 sits in a later row group than row 1 in every file: the number is the row's place in the file, not in its group.
  { line: 7, field: '', code: 'duplicate', reason: 'exact duplicate of row 1' },
  { line: 8, field: 'messages[1].content', code: 'wrong_type', reason: 'messages[1].content is null, expected a string' },
  { line: 10, field: 'messages', code: 'empty_field', reason: 'field "messages" is an empty list' },
  {
    line: 11,
    field: 'messages[0].role',
    code: 'unknown_role',
    reason: 'messages[0].role is "human" (expected system, developer, user, assistant, tool, observation or function_call; to use it: --map role.assistant=human or --map role.user=human)',
  },
];

async function expectChat(file: string): Promise<void> {
  const { report, examples } = await importFile(file);
  expect(examples).toEqual(CHAT_EXAMPLES);
  expect(report.invalid).toEqual(CHAT_ISSUES);
  expect(report).toMatchObject({
    source: 'parquet',
    format: 'messages',
    // 7 of 11 rows have a usable list; the 4 without one (null, empty, …) lower the sample's score.
    confidence: 0.864,
    fields: ['messages', 'source', '__index_level_0__'],
    total: 11,
    valid: 4,
    invalidCount: 7,
    duplicates: 1,
    invalidTruncated: false,
  });
}

describe('chat: a messages column of list<struct<role, content>>', () => {
  it('pandas defaults (snappy, dictionary strings, v1 pages, list child "element", pandas metadata): exact rows and issues', async () => {
    expect(shape('chat-snappy.parquet')).toMatchObject({
      createdBy: 'parquet-rs version 59.3.0',
      keys: ['pandas', 'ARROW:schema'],
      groups: [3, 3, 3, 2],
      codecs: ['SNAPPY'],
      encodings: ['PLAIN', 'RLE', 'RLE_DICTIONARY'],
      schema: ['arrow_schema', 'messages', 'list', 'element', 'role', 'content', 'source', '__index_level_0__'],
    });
    await expectChat('chat-snappy.parquet');
  });

  it('gzip with v2 data pages and no dictionary (DELTA_BYTE_ARRAY strings, DELTA_BINARY_PACKED ints)', async () => {
    expect(shape('chat-gzip-v2.parquet')).toMatchObject({
      groups: [5, 5, 1],
      codecs: ['GZIP'],
      encodings: ['DELTA_BINARY_PACKED', 'DELTA_BYTE_ARRAY', 'RLE'],
    });
    await expectChat('chat-gzip-v2.parquet');
  });

  it('brotli', async () => {
    expect(shape('chat-brotli.parquet')).toMatchObject({ groups: [6, 5], codecs: ['BROTLI'] });
    await expectChat('chat-brotli.parquet');
  });

  it('LZ4_RAW (pyarrow compression="lz4")', async () => {
    expect(shape('chat-lz4.parquet')).toMatchObject({ groups: [6, 5], codecs: ['LZ4_RAW'] });
    await expectChat('chat-lz4.parquet');
  });

  // zstd: Node's zlib from Node.js 22.15 (and Electron); fzstd, a pure-JS decoder, on older Node. Either way, exact rows.
  it('zstd, list child "item", struct fields in HF order {content, role}: exact rows and issues', async () => {
    expect(shape('chat-zstd.parquet')).toMatchObject({
      groups: [4, 4, 3],
      codecs: ['ZSTD'],
      schema: ['arrow_schema', 'messages', 'list', 'item', 'content', 'role', 'source', '__index_level_0__'],
    });
    await expectChat('chat-zstd.parquet');
  });

  it('the reader numbers rows 1..11 across row groups and keeps the extra pandas columns as plain values', async () => {
    for (const file of ['chat-snappy.parquet', 'chat-gzip-v2.parquet', 'chat-brotli.parquet', 'chat-lz4.parquet']) {
      const rows = await records(file);
      expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      // The pandas category column (Arrow dictionary) is plain strings with its null; the int64 index is a number.
      expect(rows.map((r) => r.value!.source)).toEqual(['web', 'book', 'web', 'web', 'book', null, 'web', 'forum', 'book', 'web', 'forum']);
      expect(rows.map((r) => r.value!.__index_level_0__)).toEqual([0, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144]);
      // Nulls at each level of list<struct>: the list, an element, a field.
      expect(rows[4].value!.messages).toBeNull();
      expect(rows[5].value!.messages).toEqual([{ role: 'user', content: 'A turn went missing.' }, null]);
      expect(rows[7].value!.messages).toEqual([{ role: 'user', content: 'مرحبا' }, { role: 'assistant', content: null }]);
      expect(rows[9].value!.messages).toEqual([]);
    }
  });
});

// ---- preference files ----

describe('preference', () => {
  it('prompt/chosen/rejected strings with a repeated (dictionary-encoded) prompt and an optional system column', async () => {
    expect(shape('preference-snappy.parquet')).toMatchObject({ groups: [3, 3, 1], codecs: ['SNAPPY'], encodings: ['PLAIN', 'RLE', 'RLE_DICTIONARY'] });
    const { report, examples } = await importFile('preference-snappy.parquet');
    expect(report).toMatchObject({ format: 'preference', confidence: 1, fields: ['prompt', 'chosen', 'rejected', 'system'], total: 7, valid: 3, invalidCount: 4 });
    expect(examples).toEqual([
      { line: 1, kind: 'preference', messages: [{ role: 'user', content: 'Name a prime number.' }], chosen: [{ role: 'assistant', content: '7' }], rejected: [{ role: 'assistant', content: '8' }] },
      {
        line: 2,
        kind: 'preference',
        messages: [{ role: 'system', content: 'Answer with one number.' }, { role: 'user', content: 'Name a prime number.' }],
        chosen: [{ role: 'assistant', content: '13 — it has no divisors but 1 and itself.' }],
        rejected: [{ role: 'assistant', content: '15' }],
      },
      {
        line: 3,
        kind: 'preference',
        messages: [{ role: 'user', content: 'Write a haiku about rain ☔' }],
        chosen: [{ role: 'assistant', content: 'Soft rain on tin roofs\nthe gutters hum a low tune\nmorning smells of earth' }],
        rejected: [{ role: 'assistant', content: 'Rain is wet.' }],
      },
    ]);
    expect(report.invalid).toEqual([
      { line: 4, field: 'rejected', code: 'missing_field', reason: 'field "rejected" is missing' },
      { line: 5, field: 'rejected', code: 'identical_pair', reason: 'chosen and rejected are the same answer, so there is no preference to learn' },
      { line: 6, field: 'prompt', code: 'empty_field', reason: 'field "prompt" is empty' },
      { line: 7, field: 'chosen', code: 'empty_answer', reason: 'the answer "chosen" is empty' },
    ]);
  });

  it('ultrafeedback_binarized shape: chosen/rejected are whole conversations (list child "item") that repeat the prompt', async () => {
    expect(shape('preference-ultrafeedback.parquet')).toMatchObject({ groups: [2, 2], codecs: ['SNAPPY'] });
    const { report, examples } = await importFile('preference-ultrafeedback.parquet');
    expect(report).toMatchObject({
      format: 'preference',
      confidence: 1,
      fields: ['prompt', 'prompt_id', 'chosen', 'rejected', 'score_chosen', 'score_rejected'],
      total: 4,
      valid: 2,
      invalidCount: 2,
    });
    // The repeated user turn is the prompt; each side keeps only its answer.
    expect(examples).toEqual([
      { line: 1, kind: 'preference', messages: [{ role: 'user', content: 'What is 2+2?' }], chosen: [{ role: 'assistant', content: '4' }], rejected: [{ role: 'assistant', content: '5' }] },
      {
        line: 2,
        kind: 'preference',
        messages: [{ role: 'user', content: 'Define entropy in one line.' }],
        chosen: [{ role: 'assistant', content: 'A measure of how many microstates fit a macrostate.' }],
        rejected: [{ role: 'assistant', content: 'Heat.' }],
      },
    ]);
    expect(report.invalid.map(({ line, code }) => ({ line, code }))).toEqual([{ line: 3, code: 'empty_answer' }, { line: 4, code: 'not_alternating' }]);
    expect(report.invalid[1]).toEqual({ line: 4, field: 'rejected[0].role', code: 'not_alternating', reason: 'rejected[0] is a "user" turn; rejected must hold only the assistant answer' });
  });

  // The empty answer is named by its index in the row as written (the prompt turns before it are counted).
  it('names the empty answer by its index in the file (rejected[1].content)', async () => {
    const { report } = await importFile('preference-ultrafeedback.parquet');
    expect(report.invalid[0]).toMatchObject({ line: 3, field: 'rejected[1].content', code: 'empty_answer' });
  });
});

// ---- a plain text column ----

describe('text', () => {
  it('wikitext-style rows (blank, null, whitespace-only, a repeat) across dictionary-fallback pages', async () => {
    const s = shape('text-snappy.parquet');
    expect(s).toMatchObject({ groups: [4, 4], codecs: ['SNAPPY'] });
    // Each row group starts dictionary-encoded and falls back to plain pages when the dictionary fills, as big text columns do.
    expect(s.pageEncodings('text')).toEqual(['RLE_DICTIONARYx1,PLAINx2', 'RLE_DICTIONARYx1,PLAINx1']);
    const { report, examples } = await importFile('text-snappy.parquet');
    expect(report).toMatchObject({ format: 'text', confidence: 0.9, fields: ['text', 'id', 'crawled'], total: 8, valid: 4, invalidCount: 4, duplicates: 1 });
    expect(examples).toEqual([
      { line: 1, kind: 'text', messages: [], text: ' = Valkyria Chronicles III = \n' },
      { line: 3, kind: 'text', messages: [], text: ' Senjō no Valkyria 3 : Unrecorded Chronicles ( Japanese : 戦場のヴァルキュリア3 , lit . Valkyria of the Battlefield 3 ) is a tactical role @-@ playing video game . \n' },
      { line: 6, kind: 'text', messages: [], text: ' = = Gameplay = = \n' },
      { line: 7, kind: 'text', messages: [], text: 'Emoji 🧪, Hangul 한국어, Greek Ελληνικά, and a NUL-free control char \u0007 survive.' },
    ]);
    expect(report.invalid).toEqual([
      { line: 2, field: 'text', code: 'empty_field', reason: 'field "text" is empty' },
      { line: 4, field: 'text', code: 'wrong_type', reason: 'field "text" is null, expected a string' },
      { line: 5, field: 'text', code: 'empty_field', reason: 'field "text" is empty' },
      { line: 8, field: '', code: 'duplicate', reason: 'exact duplicate of row 1' },
    ]);
  });

  it('int64 beyond 2^53 becomes a decimal string and a timestamp an ISO date', async () => {
    const rows = await records('text-snappy.parquet');
    expect(rows.map((r) => r.value!.id)).toEqual([9007199254740990, 9007199254740991, '9007199254740992', '9007199254740993', '9007199254740994', '9007199254740995', '9007199254740996', '9007199254740997']);
    expect(rows[0].value!.crawled).toBe('2024-01-01T00:00:00.000Z');
    expect(rows[7].value!.crawled).toBe('2024-01-08T00:00:00.000Z');
  });

  it('refuses legacy (Hadoop-framed) LZ4 before reading a row, naming codec and column', async () => {
    expect(shape('text-lz4-legacy.parquet')).toMatchObject({ codecs: ['LZ4'] });
    const err = await importFile('text-lz4-legacy.parquet').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'data_parquet' });
    expect((err as Error).message).toMatch(/text-lz4-legacy\.parquet: column "text" is compressed with LZ4, which Lathe cannot decode here\.$/);
    expect((err as { hint: string }).hint).toMatch(/^Re-export the file with snappy, gzip or no compression/);
  });
});

// ---- the LZ4 block decoder on hand-made blocks (the fixture's blocks are too short to reach every branch) ----

describe('lz4RawDecompress', () => {
  const bytes = (...parts: (number | string)[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p)] : [p])));
  const text = (u: Uint8Array) => Buffer.from(u).toString();

  it('copies literals, then an overlapping match that repeats a pattern', () => {
    // token 0x35: 3 literals, match length 5+4; offset 3 repeats "abc"; then a literals-only last sequence.
    expect(text(lz4RawDecompress(bytes(0x35, 'abc', 3, 0, 0x20, 'xy'), 14))).toBe('abcabcabcabcxy');
  });

  it('reads length continuation bytes for long literals and long matches', () => {
    // 20 literals: nibble 15 + 5. Match length 4 + 15 + 255 + 1 = 275 of offset 1 (a run of the last literal).
    const lit = 'ABCDEFGHIJKLMNOPQRSZ';
    const out = lz4RawDecompress(bytes(0xff, 5, lit, 1, 0, 255, 1, 0x10, '!'), 20 + 275 + 1);
    expect(text(out)).toBe(lit + 'Z'.repeat(275) + '!');
  });

  it('rejects truncated or inconsistent blocks instead of returning short pages', () => {
    expect(() => lz4RawDecompress(bytes(0x35, 'abc', 3), 12)).toThrow(/match offset/);
    expect(() => lz4RawDecompress(bytes(0x35, 'abc', 9, 0), 12)).toThrow(/points before the start/);
    expect(() => lz4RawDecompress(bytes(0x30, 'abc'), 4)).toThrow(/decoded 3 bytes, the page header says 4/);
    expect(() => lz4RawDecompress(bytes(0xf0), 20)).toThrow(/ends inside a length/);
  });
});
