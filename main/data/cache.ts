// Tokenized-data cache: keyed by (dataset content hash, tokenizer hash, template, options); a second run with the same key is instant.
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LatheError } from '../api/errors';
import { applyLengthPolicy, emptyPolicyCounts, LengthStats, type LengthPolicy, type PolicyCounts, type TokenStats } from './lengths';
import type { MaskMode, TemplateName } from './render';
import { readLines } from './readers/lines';
import { splitFlags, type SplitOptions } from './split';
import type { TokenSeq } from './tokenize';
import { TokenizeStage, type ParallelOptions, type StageResult } from './tokenize-stage';
import type { LatheTokenizer } from '../models/tokenizer';
import type { Example, ReadProgress } from './types';

// 2: renders follow jinja2 (str.strip(chars), None/True printing), masks follow rewritten history, reasoning/EOS options.
// 3: the truncate policy shortens conversations by turns (fit-turns.ts) instead of cutting tokens.
export const CACHE_VERSION = 3;

export interface PrepareOptions extends ParallelOptions {
  tokenizer: LatheTokenizer;
  template: TemplateName;
  mask?: MaskMode;
  templateOverride?: string;
  extra?: Record<string, unknown>;
  trainReasoning?: boolean;
  trainOnEos?: boolean;
  maxLen: number;
  policy?: LengthPolicy;
  split?: SplitOptions;
  signal?: AbortSignal;
  onProgress?: (p: ReadProgress) => void;
}

export interface CacheMeta extends PolicyCounts {
  version: number;
  key: string;
  contentHash: string;
  tokenizerHash: string;
  template: TemplateName;
  mask: MaskMode;
  maxLen: number;
  policy: LengthPolicy;
  splits: Required<Pick<SplitOptions, 'seed'>> & SplitOptions & { train: number; validation: number };
  examples: number;
  sequences: number;
  tokens: number;
  stats: TokenStats;
  alignFallbacks: number;
  /** Rows the template could not render (line and reason); the dataset import already validated everything else. */
  skipped: { line: number; reason: string }[];
  createdAt: string;
}

/** Each sequence is one row of INDEX_COLS numbers in index.bin. role: 0 single/chosen, 1 rejected. split: 0 train, 1 validation. */
export const INDEX_COLS = 5; // offset, length, example, role, split

export function cacheKey(contentHash: string, o: PrepareOptions): string {
  const parts = {
    v: CACHE_VERSION,
    contentHash,
    tokenizer: o.tokenizer.hash,
    template: o.template,
    override: o.templateOverride ? createHash('sha256').update(o.templateOverride).digest('hex') : null,
    mask: o.mask ?? 'assistant',
    extra: o.extra ?? null,
    reasoning: o.trainReasoning ?? true,
    eos: o.trainOnEos ?? true,
    maxLen: o.maxLen,
    policy: o.policy ?? 'truncate',
    split: { f: o.split?.valFraction ?? 0, c: o.split?.valCount ?? null, s: o.split?.seed ?? 0 },
  };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

async function writeAll(w: WriteStream, b: Uint8Array): Promise<void> {
  if (!w.write(b)) await new Promise<void>((res) => w.once('drain', res));
}
async function endAndSync(w: WriteStream, path: string): Promise<void> {
  await new Promise<void>((res, rej) => w.end((e?: Error | null) => (e ? rej(e) : res())));
  const fh = await open(path, 'r+');
  await fh.sync();
  await fh.close();
}

export async function readCacheMeta(dir: string): Promise<CacheMeta | null> {
  try {
    const m = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as CacheMeta;
    return m.version === CACHE_VERSION ? m : null;
  } catch {
    return null;
  }
}

/**
 * Tokenizes normalized.jsonl into `<cacheRoot>/<key>/` (ids.bin u32 LE, mask.bin u8, index.bin f64 rows, meta.json),
 * written to a temp folder and renamed, so a crash never leaves a half cache that looks complete.
 */
export async function prepareTokenized(normalizedPath: string, contentHash: string, exampleCount: number, cacheRoot: string, o: PrepareOptions): Promise<{ dir: string; meta: CacheMeta; fromCache: boolean }> {
  const key = cacheKey(contentHash, o);
  const dir = join(cacheRoot, key);
  const existing = await readCacheMeta(dir);
  if (existing) return { dir, meta: existing, fromCache: true };

  const tmp = join(cacheRoot, `.tmp-${key}-${process.pid}-${Date.now()}`);
  await mkdir(tmp, { recursive: true });
  try {
    const stage = new TokenizeStage(
      { tokenizer: o.tokenizer, template: o.template, mask: o.mask ?? 'assistant', templateOverride: o.templateOverride, extra: o.extra, trainReasoning: o.trainReasoning, trainOnEos: o.trainOnEos, maxLen: o.maxLen, lengthPolicy: o.policy ?? 'truncate' },
      { workers: o.workers, poolAfter: o.poolAfter, batchSize: o.batchSize, waitForPool: o.waitForPool, onPool: o.onPool, signal: o.signal, path: normalizedPath },
    );
    const flags = splitFlags(exampleCount, o.split ?? {});
    const idsOut = createWriteStream(join(tmp, 'ids.bin'));
    const maskOut = createWriteStream(join(tmp, 'mask.bin'));
    const indexOut = createWriteStream(join(tmp, 'index.bin'));
    const stats = new LengthStats();
    const counts = emptyPolicyCounts();
    const skipped: CacheMeta['skipped'] = [];
    let offset = 0;
    let sequences = 0;
    let example = 0;
    let train = 0;
    let validation = 0;
    const emit = async (s: TokenSeq, role: number, split: number): Promise<void> => {
      await writeAll(idsOut, new Uint8Array(s.ids.buffer, s.ids.byteOffset, s.ids.byteLength));
      await writeAll(maskOut, s.mask);
      await writeAll(indexOut, new Uint8Array(Float64Array.of(offset, s.ids.length, example, role, split).buffer));
      offset += s.ids.length;
      sequences++;
    };
    // Results come back in file order (the stage guarantees it), so example numbers and split flags line up.
    const handle = async (r: StageResult): Promise<void> => {
      const split = flags[example] ?? 0;
      if (r.error) {
        skipped.push({ line: r.ex.line, reason: r.error.message });
        example++;
        return;
      }
      const tok = r.tok!;
      stats.add(tok);
      for (const piece of applyLengthPolicy(tok, o.maxLen, o.policy ?? 'truncate', o.tokenizer.bosId, counts)) {
        for (let k = 0; k < piece.seqs.length; k++) await emit(piece.seqs[k], k, split);
      }
      if (split) validation++;
      else train++;
      example++;
    };
    try {
      for await (const batch of readLines(normalizedPath, { signal: o.signal, onProgress: o.onProgress })) {
        for (const l of batch) {
          if (!l.text) continue;
          for (const r of await stage.push(JSON.parse(l.text) as Example)) await handle(r);
        }
      }
      for (const r of await stage.finish()) await handle(r);
    } finally {
      await stage.close();
    }
    await Promise.all([endAndSync(idsOut, join(tmp, 'ids.bin')), endAndSync(maskOut, join(tmp, 'mask.bin')), endAndSync(indexOut, join(tmp, 'index.bin'))]);
    const meta: CacheMeta = {
      version: CACHE_VERSION,
      key,
      contentHash,
      tokenizerHash: o.tokenizer.hash,
      template: o.template,
      mask: o.mask ?? 'assistant',
      maxLen: o.maxLen,
      policy: o.policy ?? 'truncate',
      splits: { seed: o.split?.seed ?? 0, ...o.split, train, validation },
      examples: example,
      sequences,
      tokens: offset,
      stats: stats.summary(o.maxLen),
      alignFallbacks: stage.alignFallbacks,
      skipped,
      ...counts,
      createdAt: new Date().toISOString(),
    };
    await writeFileSynced(join(tmp, 'meta.json'), JSON.stringify(meta, null, 1));
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    return { dir, meta, fromCache: false };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function writeFileSynced(p: string, s: string): Promise<void> {
  const fh = await open(p, 'w');
  try {
    await fh.writeFile(s);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface LoadedCache {
  meta: CacheMeta;
  ids: Uint32Array;
  mask: Uint8Array;
  index: Float64Array;
}

export async function loadTokenized(dir: string): Promise<LoadedCache> {
  const meta = await readCacheMeta(dir);
  if (!meta) throw new LatheError('data_cache_missing', `${dir}: no tokenized cache here.`, 'Prepare the dataset again.');
  const [a, b, c] = await Promise.all([readFile(join(dir, 'ids.bin')), readFile(join(dir, 'mask.bin')), readFile(join(dir, 'index.bin'))]);
  const ids = new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  const index = new Float64Array(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength));
  if (ids.length !== meta.tokens || b.length !== meta.tokens || index.length !== meta.sequences * INDEX_COLS) {
    throw new LatheError('data_cache_corrupt', `${dir}: the tokenized cache does not match its meta.json.`, 'Delete the cache folder; it is rebuilt on the next run.');
  }
  return { meta, ids, mask: new Uint8Array(b), index };
}

/** The sequences of one split (0 train, 1 validation) as views into the loaded cache. */
export function* sequencesOf(c: LoadedCache, split: 0 | 1, role = 0): Generator<TokenSeq & { example: number }> {
  for (let i = 0; i < c.meta.sequences; i++) {
    const r = i * INDEX_COLS;
    if (c.index[r + 4] !== split || c.index[r + 3] !== role) continue;
    const off = c.index[r];
    const len = c.index[r + 1];
    yield { ids: c.ids.subarray(off, off + len), mask: c.mask.subarray(off, off + len), example: c.index[r + 2] };
  }
}
