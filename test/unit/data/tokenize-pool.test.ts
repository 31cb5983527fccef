// The worker-pool tokenize step: same results and order as one thread, bad rows and bugs named by line, cancellation.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareTokenized } from '../../../main/data/cache';
import { runPipeline, type PipelineOptions, type TokenizeOptions } from '../../../main/data/pipeline';
import { TokenizePool } from '../../../main/data/tokenize-pool';
import type { TokenizedExample } from '../../../main/data/tokenize';
import type { Example } from '../../../main/data/types';
import { loadTokenizer, tokenizerSource, type LatheTokenizer } from '../../../main/models/tokenizer';
import { lenmlTokenizerDir, syntheticTokenizerDir } from '../../helpers/tiny-model';
import { tempDir } from '../../helpers/temp-dir';

const tmp = tempDir('lathe-pool-');

/** ChatML that refuses rows containing BOOM: a template error is a bad row, reported with its line. */
const STRICT_CHATML =
  "{% for m in messages %}{% if 'BOOM' in m['content'] %}{{ raise_exception('this row says BOOM') }}{% endif %}" +
  "{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>' + '\\n' }}{% endfor %}";

const WORDS = 'the model reads text one token at a time 42 3.14 héllo 世界 🚀 naïve\tcode() {x: 1}\n'.split(' ');

/** Alpaca rows with varied text; `boom` rows trip STRICT_CHATML, `broken` lines are not JSON. */
function writeAlpaca(name: string, rows: number, opts: { boom?: number[]; broken?: number[] } = {}): string {
  let s = 7;
  const rnd = (n: number): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
  const text = (n: number): string => Array.from({ length: n }, () => WORDS[rnd(WORDS.length)]).join(' ');
  const lines: string[] = [];
  for (let i = 1; i <= rows; i++) {
    if (opts.broken?.includes(i)) { lines.push('{"instruction": "cut off'); continue; }
    const output = (opts.boom?.includes(i) ? 'BOOM ' : '') + text(5 + rnd(40));
    lines.push(JSON.stringify({ instruction: `Row ${i}: ${text(3 + rnd(20))}`, input: rnd(3) ? text(rnd(30)) : '', output }));
  }
  const path = join(tmp, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

interface Run {
  report: unknown;
  examples: number[];
  tokenized: { line: number; ids: number[]; mask: number[] }[];
  pool: unknown[];
}

async function run(path: string, tokenize: TokenizeOptions, extra: Partial<PipelineOptions> = {}): Promise<Run> {
  const out: Run = { report: null, examples: [], tokenized: [], pool: [] };
  out.report = await runPipeline(path, {
    ...extra,
    tokenize: { ...tokenize, onPool: (i) => out.pool.push(i) },
    onExample: (ex) => { out.examples.push(ex.line); },
    onTokenized: (t: TokenizedExample) => { for (const s of t.seqs) out.tokenized.push({ line: t.line, ids: [...s.ids], mask: [...s.mask] }); },
  });
  return out;
}

let synthetic: LatheTokenizer;
const syntheticTok = async (): Promise<LatheTokenizer> => (synthetic ??= await loadTokenizer(await syntheticTokenizerDir()));

describe('tokenize pool', () => {
  it('gives the same report, sequences and order as one thread, bad rows included', async () => {
    const tokenizer = await syntheticTok();
    const path = writeAlpaca('mixed.jsonl', 700, { boom: [3, 150, 151, 640], broken: [10, 500] });
    const base = { tokenizer, templateOverride: STRICT_CHATML, maxLen: 48, policy: 'split' as const };
    const inline = await run(path, { ...base, workers: 0 });
    const pooled = await run(path, { ...base, workers: 2, poolAfter: 100, batchSize: 16, waitForPool: true });
    expect(pooled.pool).toEqual([{ workers: 2 }]);
    expect(inline.pool).toEqual([]);
    expect(pooled.report).toEqual(inline.report);
    expect(pooled.examples).toEqual(inline.examples);
    expect(pooled.tokenized).toEqual(inline.tokenized);
    // The run really exercised what it claims: bad rows of both kinds, split sequences, rows after the pool started.
    const r = inline.report as { invalid: { line: number; code: string }[]; tokens: { split: number } };
    expect(r.invalid.map((i) => [i.line, i.code])).toEqual([[3, 'template_error'], [10, 'bad_json'], [150, 'template_error'], [151, 'template_error'], [500, 'bad_json'], [640, 'template_error']]);
    expect(r.tokens.split).toBeGreaterThan(0);
    expect(inline.examples.length).toBe(694);
    expect(TokenizePool.live).toBe(0);
  });

  it('matches one thread on Llama 3 with its own chat template', async () => {
    const tokenizer = await loadTokenizer(lenmlTokenizerDir('llama3'));
    const path = writeAlpaca('llama3.jsonl', 300);
    const inline = await run(path, { tokenizer, workers: 0 });
    const pooled = await run(path, { tokenizer, workers: 1, poolAfter: 0, batchSize: 8, waitForPool: true });
    expect(pooled.pool).toEqual([{ workers: 1 }]);
    expect(pooled.report).toEqual(inline.report);
    expect(pooled.tokenized).toEqual(inline.tokenized);
    expect((inline.report as { tokens: { template: string } }).tokens.template).toBe('model');
  });

  it('stops at the first bad row in file order when told to abort, as one thread does', async () => {
    const tokenizer = await syntheticTok();
    // A template error (line 150) before a broken line (400): the validator reaches 400 while 150 is still in a worker.
    const path = writeAlpaca('abort.jsonl', 600, { boom: [150], broken: [400] });
    const base = { tokenizer, templateOverride: STRICT_CHATML };
    const inline = run(path, { ...base, workers: 0 }, { onInvalid: 'abort' });
    await expect(inline).rejects.toMatchObject({ code: 'data_invalid_row', message: expect.stringContaining('line 150') });
    const pooled = run(path, { ...base, workers: 2, poolAfter: 0, batchSize: 32, waitForPool: true }, { onInvalid: 'abort' });
    await expect(pooled).rejects.toMatchObject({ code: 'data_invalid_row', message: expect.stringContaining('line 150') });
    // Only the broken line: the validator's own error, after the rows before it went through.
    const path2 = writeAlpaca('abort2.jsonl', 600, { broken: [400] });
    const seen: number[] = [];
    await expect(runPipeline(path2, { onInvalid: 'abort', tokenize: { ...base, workers: 2, poolAfter: 0, batchSize: 32, waitForPool: true }, onExample: (ex) => { seen.push(ex.line); } }))
      .rejects.toMatchObject({ code: 'data_invalid_row', message: expect.stringContaining('line 400') });
    expect(seen).toEqual(Array.from({ length: 399 }, (_, i) => i + 1));
    expect(TokenizePool.live).toBe(0);
  });

  it('names the row when a worker hits a bug rather than a bad row', async () => {
    const tokenizer = await syntheticTok();
    const pool = new TokenizePool(1, { source: tokenizerSource(tokenizer)!, setup: { template: 'chatml', mask: 'assistant' } });
    try {
      await pool.ready;
      const good: Example = { line: 6, kind: 'text', messages: [], text: 'fine' };
      // No messages array: the renderer throws a TypeError, which is a bug, not a user-fixable row.
      const bad = { line: 7, file: 'notes/a.txt', kind: 'chat', messages: null } as unknown as Example;
      await expect(pool.run([good, bad])).rejects.toThrow(/notes\/a\.txt line 7/);
      // The worker survives a bug in one batch and goes on with the next.
      const [r] = await pool.run([good]);
      expect(r.seqs?.[0].ids.length).toBeGreaterThan(2);
    } finally {
      await pool.close();
    }
    expect(TokenizePool.live).toBe(0);
  });

  it('cancels promptly and leaves no worker behind', async () => {
    const tokenizer = await syntheticTok();
    const path = writeAlpaca('cancel.jsonl', 3000);
    const ac = new AbortController();
    let n = 0;
    const p = runPipeline(path, {
      signal: ac.signal,
      tokenize: { tokenizer, workers: 2, poolAfter: 0, batchSize: 16, waitForPool: true },
      onTokenized: () => { if (++n === 400) ac.abort(); },
    });
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    expect(n).toBeLessThan(3000);
    expect(TokenizePool.live).toBe(0);
  });

  it('goes on in one thread, with the same results, when the workers cannot start', async () => {
    // A copy of the tokenizer that changes after loading: workers refuse it (hash mismatch) and the import goes on.
    const dir = join(tmp, 'changing-tokenizer');
    mkdirSync(dir);
    const src = await syntheticTokenizerDir();
    for (const f of readdirSync(src)) copyFileSync(join(src, f), join(dir, f));
    const tokenizer = await loadTokenizer(dir);
    const cfg = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ ...cfg, model_max_length: 7 }));
    const path = writeAlpaca('fallback.jsonl', 400);
    const inline = await run(path, { tokenizer, workers: 0 });
    const pooled = await run(path, { tokenizer, workers: 2, poolAfter: 0, waitForPool: true });
    expect(pooled.pool).toEqual([{ error: expect.stringContaining('changed') }]);
    expect(pooled.report).toEqual(inline.report);
    expect(pooled.tokenized).toEqual(inline.tokenized);
    expect(TokenizePool.live).toBe(0);
  });

  it('writes the same tokenized cache from workers as from one thread', async () => {
    const tokenizer = await syntheticTok();
    const rows = Array.from({ length: 500 }, (_, i) => JSON.stringify({ line: i + 1, kind: 'chat', messages: [{ role: 'user', content: `q ${i} ${WORDS[i % WORDS.length]}` }, { role: 'assistant', content: `a ${i} ${'x '.repeat(i % 30)}` }] }));
    const normalized = join(tmp, 'normalized.jsonl');
    writeFileSync(normalized, rows.join('\n') + '\n');
    const opts = { tokenizer, template: 'chatml' as const, maxLen: 40, split: { valFraction: 0.1, seed: 3 } };
    const a = await prepareTokenized(normalized, 'h', 500, join(tmp, 'cache-a'), { ...opts, workers: 0 });
    const b = await prepareTokenized(normalized, 'h', 500, join(tmp, 'cache-b'), { ...opts, workers: 2, poolAfter: 0, batchSize: 16, waitForPool: true });
    for (const f of ['ids.bin', 'mask.bin', 'index.bin']) expect(readFileSync(join(b.dir, f)).equals(readFileSync(join(a.dir, f)))).toBe(true);
    const { createdAt: _a, ...ma } = a.meta;
    const { createdAt: _b, ...mb } = b.meta;
    expect(mb).toEqual(ma);
    expect(ma.truncated).toBeGreaterThan(0);
  });
});
