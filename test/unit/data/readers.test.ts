// Readers: every container format, encodings (BOM, CRLF, UTF-16, invalid UTF-8), the line cap, truncation, cancellation and progress.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectSourceKind, readRecords } from '../../../main/data/readers';
import { readLines } from '../../../main/data/readers/lines';
import type { RawRecord, ReaderOptions, SourceKind } from '../../../main/data/types';

const FX = join(__dirname, '../../fixtures/data');
const TMP = join(__dirname, '../../.tmp/data-readers');
mkdirSync(TMP, { recursive: true });

async function all(path: string, kind?: SourceKind, opts: ReaderOptions = {}): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of readRecords(path, kind ?? (await detectSourceKind(path)), opts)) out.push(r);
  return out;
}

describe('JSONL', () => {
  it('reads rows with their line numbers', async () => {
    const rows = await all(join(FX, 'alpaca.jsonl'));
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4]);
    expect(rows[2].value).toMatchObject({ instruction: 'Add the numbers.', system: 'You are terse.' });
  });

  it('reports bad JSON, non-objects and a truncated last line on their lines', async () => {
    const rows = await all(join(FX, 'bad.jsonl'));
    const issues = rows.filter((r) => r.issue).map((r) => [r.line, r.issue!.code]);
    expect(issues).toEqual([[2, 'bad_json'], [9, 'wrong_type'], [10, 'truncated']]);
    expect(rows.filter((r) => r.value).map((r) => r.line)).toEqual([1, 3, 4, 5, 6, 8]);
  });

  it('strips a UTF-8 BOM and CRLF line ends', async () => {
    const rows = await all(join(FX, 'utf8-bom-crlf.jsonl'));
    expect(rows).toHaveLength(2);
    expect(rows[0].value!.instruction).toBe('Turn the note into JSON.');
    expect(rows[1].value!.output).toBe('Paris.');
  });

  it.each(['utf16le.jsonl', 'utf16be.jsonl'])('decodes %s by its BOM', async (f) => {
    const rows = await all(join(FX, f));
    expect(rows).toHaveLength(2);
    expect(rows[0].value!.output).toBe('{"name":"Ana","email":"ana@example.com"} ✓ 漢字');
  });

  it('decodes UTF-16 without a BOM by its NUL pattern', async () => {
    const p = join(TMP, 'nobom16.jsonl');
    writeFileSync(p, Buffer.from('{"text": "plain ascii line"}\n{"text": "second"}\n', 'utf16le'));
    const rows = await all(p);
    expect(rows.map((r) => r.value!.text)).toEqual(['plain ascii line', 'second']);
  });

  it('reports invalid UTF-8 with its line and keeps the other rows', async () => {
    const rows = await all(join(FX, 'invalid-utf8.jsonl'));
    expect(rows.map((r) => (r.issue ? `${r.line}:${r.issue.code}` : `${r.line}`))).toEqual(['1', '2', '3:invalid_utf8', '4']);
    expect(rows[2].issue!.reason).toMatch(/0xe9 at byte 21/);
  });

  it('caps line length without buffering the line', async () => {
    const p = join(TMP, 'long.jsonl');
    writeFileSync(p, `{"text":"short"}\n{"text":"${'x'.repeat(5000)}"}\n{"text":"after"}\n{"text":"${'y'.repeat(3000)}`);
    const rows = await all(p, 'jsonl', { maxLineBytes: 1000 });
    expect(rows.map((r) => (r.issue ? `${r.line}:${r.issue.code}` : r.value!.text))).toEqual(['short', '2:line_too_long', 'after', '4:line_too_long']);
    expect(rows[1].issue!.reason).toMatch(/1000-byte limit/);
    // The real size of each over-long line, though it was never held in memory.
    expect(rows[1].issue!.reason).toMatch(/^line is 5011 bytes/);
    expect(rows[3].issue!.reason).toMatch(/^line is 3009 bytes/);
  });

  it('reports the real byte count of a long line that spans many read chunks, in UTF-8 and UTF-16', async () => {
    const p = join(TMP, 'huge-line.jsonl');
    const long = `{"text":"${'z'.repeat(3 * 1024 * 1024)}"}`;
    writeFileSync(p, `{"text":"a"}\n${long}\n{"text":"b"}\n`);
    const rows = await all(p, 'jsonl', { maxLineBytes: 1000 });
    expect(rows.map((r) => (r.issue ? r.issue.reason : r.value!.text))).toEqual(['a', `line is ${Buffer.byteLength(long)} bytes, longer than the 1000-byte limit`, 'b']);
    const p16 = join(TMP, 'huge-line-16.jsonl');
    writeFileSync(p16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`{"text":"a"}\n${'{"text":"' + 'q'.repeat(700) + '"}'}\n{"text":"b"}\n`, 'utf16le')]));
    const rows16 = await all(p16, 'jsonl', { maxLineBytes: 1000 });
    expect(rows16.map((r) => (r.issue ? r.issue.reason : r.value!.text))).toEqual(['a', 'line is 1422 bytes, longer than the 1000-byte limit', 'b']);
  });

  it('handles lines split across read chunks', async () => {
    const p = join(TMP, 'chunky.jsonl');
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ text: `row ${i} ` + 'é'.repeat(i % 700) }));
    writeFileSync(p, lines.join('\r\n') + '\r\n');
    const rows = await all(p);
    expect(rows).toHaveLength(3000);
    expect(rows.every((r, i) => r.value!.text === `row ${i} ` + 'é'.repeat(i % 700))).toBe(true);
  });

  it('is cancellable and reports progress', async () => {
    const p = join(TMP, 'cancel.jsonl');
    writeFileSync(p, Array.from({ length: 200_000 }, (_, i) => `{"text":"row ${i}"}`).join('\n'));
    const ctl = new AbortController();
    const progress: number[] = [];
    let n = 0;
    await expect(async () => {
      for await (const _ of readRecords(p, 'jsonl', { signal: ctl.signal, onProgress: (pr) => progress.push(pr.bytesRead) })) {
        if (++n === 10) ctl.abort();
      }
    }).rejects.toMatchObject({ code: 'cancelled' });
    expect(n).toBeLessThan(200_000);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('numbers lines from readLines exactly, including a last line without a newline', async () => {
    const p = join(TMP, 'nolf.txt');
    writeFileSync(p, 'a\r\nb\n\nc');
    const lines = [];
    for await (const b of readLines(p)) lines.push(...b);
    expect(lines.map((l) => [l.line, l.text, l.newline])).toEqual([[1, 'a', true], [2, 'b', true], [3, '', true], [4, 'c', false]]);
  });
});

describe('JSON', () => {
  it('streams a top-level array', async () => {
    const rows = await all(join(FX, 'sharegpt.json'));
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.line)).toEqual([2, 14, 38]);
    expect((rows[1].value!.conversations as unknown[]).length).toBe(5);
  });

  it('finds the list field of an object, skipping non-object lists', async () => {
    const rows = await all(join(FX, 'messages-object.json'));
    expect(rows).toHaveLength(2);
    expect((rows[0].value!.messages as { content: string }[])[0].content).toBe('a [b] {c} "d"');
  });

  it('uses the named field and rejects a missing one', async () => {
    await expect(all(join(FX, 'messages-object.json'), 'json', { jsonField: 'nope' })).rejects.toMatchObject({ code: 'data_json_shape' });
    const rows = await all(join(FX, 'messages-object.json'), 'json', { jsonField: 'data' });
    expect(rows).toHaveLength(2);
  });

  it('reports bad rows, scalar rows and a cut-off file', async () => {
    const p = join(TMP, 'bad.json');
    writeFileSync(p, '[\n{"text": "ok"},\n{"text": tru},\n 5,\n "s",\n{"text": "x\\"}"}\n{"text": "no comma before"},\n{"text": "cut');
    const rows = await all(p, 'json');
    expect(rows.map((r) => (r.issue ? `${r.line}:${r.issue.code}` : `${r.line}:${r.value!.text}`))).toEqual([
      '2:ok', '3:bad_json', '4:wrong_type', '5:wrong_type', '6:x"}', '7:bad_json', '8:truncated',
    ]);
  });

  it('handles one minified line longer than the line cap', async () => {
    const p = join(TMP, 'minified.json');
    writeFileSync(p, JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ text: `row ${i}` }))));
    const rows = await all(p, 'json', { maxLineBytes: 100 });
    expect(rows).toHaveLength(2000);
    expect(rows[1999].value!.text).toBe('row 1999');
  });

  it('reports a row over the record cap without keeping it', async () => {
    const p = join(TMP, 'bigrow.json');
    writeFileSync(p, JSON.stringify([{ text: 'a' }, { text: 'x'.repeat(5000) }, { text: 'b' }], null, 1));
    const rows = await all(p, 'json', { maxRecordBytes: 1000 });
    expect(rows.map((r) => (r.issue ? r.issue.code : r.value!.text))).toEqual(['a', 'line_too_long', 'b']);
  });

  it('sniffs JSON Lines saved as .json', async () => {
    const p = join(TMP, 'lines.json');
    writeFileSync(p, '{"text":"a"}\n{"text":"b"}\n');
    expect(await detectSourceKind(p)).toBe('jsonl');
    expect(await detectSourceKind(join(FX, 'sharegpt.json'))).toBe('json');
  });
});

describe('CSV/TSV', () => {
  it('reads a CSV with BOM, CRLF, quoted newlines and quotes', async () => {
    const rows = await all(join(FX, 'alpaca.csv'));
    expect(rows.map((r) => r.line)).toEqual([2, 4, 5]);
    expect(rows[0].value).toEqual({ instruction: 'Write a haiku, please.', input: '', output: 'Old pond\r\nfrog jumps in' }); // quoted line ends are data: kept as written
    expect(rows[1].value!.instruction).toBe('Say "hi".');
  });

  it('reads a TSV with literal quotes', async () => {
    const rows = await all(join(FX, 'alpaca.tsv'));
    expect(rows[1].value).toEqual({ instruction: 'He said "hi" twice.', input: '', output: 'Hi. Hi.' });
  });

  it('reports rows with the wrong number of fields', async () => {
    const rows = await all(join(FX, 'bad-columns.csv'));
    expect(rows.map((r) => (r.issue ? `${r.line}:${r.issue.code}` : `${r.line}`))).toEqual(['2', '3:bad_row']);
    expect(rows[1].issue!.reason).toMatch(/4 fields, the header has 3/);
  });

  it('rejects duplicate header names', async () => {
    const p = join(TMP, 'dup.csv');
    writeFileSync(p, 'a,a\n1,2\n');
    await expect(all(p)).rejects.toMatchObject({ code: 'data_csv_header' });
  });

  it('reports an unclosed quote with its line', async () => {
    const p = join(TMP, 'unclosed.csv');
    writeFileSync(p, 'text\nok\n"never closed\nmore\n');
    const rows = await all(p);
    expect(rows[0].value).toEqual({ text: 'ok' });
    expect(rows[1].issue).toMatchObject({ code: 'bad_row' });
    expect(rows[1].issue!.reason).toMatch(/never closed/);
  });

  it('flags invalid UTF-8 inside a CSV record', async () => {
    const p = join(TMP, 'bad8.csv');
    writeFileSync(p, Buffer.concat([Buffer.from('text\nfine\n"caf'), Buffer.from([0xe9]), Buffer.from('\nmore"\nlast\n')]));
    const rows = await all(p);
    expect(rows.map((r) => (r.issue ? `${r.line}:${r.issue.code}` : `${r.line}`))).toEqual(['2', '3:invalid_utf8', '5']);
  });
});

describe('Parquet', () => {
  it('reads every row group, numbering rows from 1, with int64 made plain', async () => {
    const rows = await all(join(FX, 'alpaca.parquet'));
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0].value).toEqual({ instruction: 'Turn the note into JSON.', input: 'call Ana, ana@example.com', output: '{"name":"Ana"}', id: 1 });
    expect(rows[4].value!.id).toBe('1152921504606846976');
    expect(rows[4].value!.input).toBe('漢字');
  });

  it('rejects a file that is not Parquet', async () => {
    const p = join(TMP, 'fake.parquet');
    writeFileSync(p, 'PAR1 not really');
    await expect(all(p)).rejects.toMatchObject({ code: 'data_parquet' });
  });
});

describe('plain text', () => {
  it('reads a folder, one document per file, in sorted order, skipping hidden and non-text files', async () => {
    const rows = await all(join(FX, 'docs'));
    expect(rows.map((r) => r.file)).toEqual(['a.md', 'b.txt', 'sub/c.md']);
    expect(rows[0].value!.text).toBe('# Title\n\nFirst paragraph of a.\nStill first.\n\n\nSecond paragraph of a.');
  });

  it('splits paragraphs with their starting lines', async () => {
    const rows = await all(join(FX, 'docs'), 'text', { textUnit: 'paragraph' });
    expect(rows.map((r) => `${r.file}:${r.line}`)).toEqual(['a.md:1', 'a.md:3', 'a.md:7', 'b.txt:1', 'sub/c.md:1', 'sub/c.md:3']);
    expect(rows[1].value!.text).toBe('First paragraph of a.\nStill first.');
  });

  it('rejects unknown extensions and missing files with a hint', async () => {
    await expect(detectSourceKind(join(FX, 'docs/skip.bin'))).rejects.toMatchObject({ code: 'data_unknown_file_type' });
    await expect(detectSourceKind(join(FX, 'nope.jsonl'))).rejects.toMatchObject({ code: 'data_not_found' });
  });
});
