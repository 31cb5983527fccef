// The tokenize step of an import, in file order: inline for small datasets, on a worker pool (with back-pressure) for large ones.
import { availableParallelism } from 'node:os';
import { LatheError } from '../api/errors';
import { tokenizerSource } from '../models/tokenizer';
import { cancelledError } from './readers/lines';
import type { RenderSetup } from './render';
import { ExampleTokenizer, type TokenizedExample } from './tokenize';
import { TokenizePool } from './tokenize-pool';
import type { WorkerRowResult } from './tokenize-protocol';
import type { Example } from './types';

export interface ParallelOptions {
  /**
   * Worker threads for rendering + tokenizing, besides the calling thread, which takes batches too when they are all
   * busy. 0 keeps everything on the calling thread. Either way the results, and their order, are the same.
   * Default: one per core less one, at most 4 (each worker holds its own copy of the tokenizer, ~150-200 MB for
   * Llama 3, and beyond 4 the reader on the calling thread is the limit), and none on a 2-core machine: there a
   * worker costs ~20% more CPU (its own tokenizer load, messages) for at most the second core, and on a busy
   * 2-core machine it measured slower than one thread (test/bench/data-import.mjs).
   */
  workers?: number;
  /**
   * Rows tokenized inline before the pool starts (default 8192, about 1-2 s of work): starting a worker costs about as
   * much CPU as loading the tokenizer, which smaller datasets would not win back.
   */
  poolAfter?: number;
  /** Rows per message to a worker (default 64). */
  batchSize?: number;
  /**
   * Wait for the workers once the pool starts instead of going on inline while they load (default: only when
   * poolAfter is 0, i.e. every row is meant for the workers). Results are the same either way.
   */
  waitForPool?: boolean;
  /** Told once whether the pool started ({workers}) or could not, in which case tokenizing goes on inline ({error}). */
  onPool?: (info: { workers: number } | { error: string }) => void;
}

/** One example after the step: its tokens, or the user-fixable error that makes it a bad row. */
export interface StageResult {
  ex: Example;
  tok?: TokenizedExample;
  error?: LatheError;
}

/** A batch in order: tokenized by a worker (promise, `done` once settled) or on this thread while the workers were busy (`inline`). */
interface Pending {
  examples: Example[];
  promise?: Promise<WorkerRowResult[]>;
  done?: WorkerRowResult[];
  inline?: StageResult[];
}

export const DEFAULT_POOL_AFTER = 8192;

function defaultWorkers(): number {
  const cores = availableParallelism();
  return cores >= 3 ? Math.min(4, cores - 1) : 0;
}

/** Operators can set the defaults without code: LATHE_TOKENIZE_WORKERS=0 turns the pool off, e.g. to rule it out. */
function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v == null || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

export class TokenizeStage {
  private readonly et: ExampleTokenizer;
  private readonly workers: number;
  private readonly poolAfter: number;
  private readonly batchSize: number;
  private readonly waitForPool: boolean;
  private starting: TokenizePool | null = null;
  private pool: TokenizePool | null = null;
  private batch: Example[] = [];
  private readonly pending: Pending[] = [];
  private seen = 0;
  private workerFallbacks = 0;
  private closed = false;
  /** Set once the pool cannot start: the rest of the import runs inline. */
  private workersOff = false;

  constructor(
    private readonly setup: RenderSetup,
    private readonly opts: ParallelOptions & { signal?: AbortSignal; path: string },
  ) {
    this.et = new ExampleTokenizer(setup);
    this.workers = Math.max(0, Math.floor(opts.workers ?? envInt('LATHE_TOKENIZE_WORKERS') ?? defaultWorkers()));
    this.poolAfter = opts.poolAfter ?? envInt('LATHE_TOKENIZE_POOL_AFTER') ?? DEFAULT_POOL_AFTER;
    this.batchSize = Math.max(1, opts.batchSize ?? 64);
    this.waitForPool = opts.waitForPool ?? this.poolAfter === 0;
  }

  /** Sequences masked by the prefix fallback, inline and in workers. */
  get alignFallbacks(): number {
    return this.et.alignFallbacks + this.workerFallbacks;
  }

  /** Takes the next example; returns the examples whose results are ready, in order (possibly none yet). */
  async push(ex: Example): Promise<StageResult[]> {
    this.seen++;
    if (!this.pool) {
      if (this.seen > this.poolAfter && this.workers > 0 && !this.starting && !this.workersOff) this.startPool();
      if (this.waitForPool && this.starting) await this.abortable(this.starting.ready.catch(() => {}));
      if (!this.pool) return [this.inline(ex)];
    }
    this.batch.push(ex);
    if (this.batch.length < this.batchSize) return [];
    // Two batches per worker keep every worker busy; when they all are, this thread takes the batch itself rather
    // than wait (it holds a loaded tokenizer too), so all cores work, the reader included.
    if (this.inWorkers < this.pool.size * 2) {
      this.dispatch();
    } else {
      const examples = this.batch;
      this.batch = [];
      this.pending.push({ examples, inline: examples.map((e) => this.inline(e)) });
    }
    const out: StageResult[] = [];
    while (this.pending.length && (this.pending[0].inline || this.pending[0].done)) out.push(...(await this.takeHead()));
    // Back-pressure: a bounded number of batches in flight keeps memory flat whatever the file size.
    while (this.pending.length >= this.pool.size * 2 + 4) out.push(...(await this.takeHead()));
    return out;
  }

  /** Batches given to workers and not yet returned. */
  private get inWorkers(): number {
    let n = 0;
    for (const p of this.pending) if (p.promise && !p.done) n++;
    return n;
  }

  /** Results of every example still in flight, in order. */
  async finish(): Promise<StageResult[]> {
    if (this.batch.length) this.dispatch();
    const out: StageResult[] = [];
    while (this.pending.length) out.push(...(await this.takeHead()));
    return out;
  }

  /** Stops the workers; call it in a finally, whether the import finished, failed or was cancelled. */
  async close(): Promise<void> {
    this.closed = true;
    // A pool still loading its tokenizer is not waited for: it may sit in a long JSON.parse, and the import is done.
    void this.starting?.close();
    await this.pool?.close();
  }

  private inline(ex: Example): StageResult {
    try {
      return { ex, tok: this.et.tokenize(ex) };
    } catch (err) {
      if (err instanceof LatheError) return { ex, error: err };
      throw err;
    }
  }

  private startPool(): void {
    const source = tokenizerSource(this.setup.tokenizer);
    if (!source) {
      // A tokenizer not loaded from a folder (a test double) cannot be reloaded in a worker: stay inline.
      this.poolFailed(new Error('the tokenizer was not loaded from a folder'));
      return;
    }
    const { tokenizer: _t, ...setup } = this.setup;
    let pool: TokenizePool;
    try {
      pool = new TokenizePool(this.workers, { source, setup });
    } catch (err) {
      this.poolFailed(err);
      return;
    }
    this.starting = pool;
    // Rows keep going inline while the workers load the tokenizer; the switch happens between two rows, so order holds.
    pool.ready.then(
      () => {
        this.starting = null;
        if (this.closed) return void pool.close();
        this.pool = pool;
        this.opts.onPool?.({ workers: pool.size });
      },
      (err: unknown) => {
        this.starting = null;
        if (!this.closed) this.poolFailed(err);
      },
    );
  }

  private poolFailed(err: unknown): void {
    this.workersOff = true;
    const msg = (err as Error)?.message ?? String(err);
    process.emitWarning(`Tokenizing on one thread: the worker pool did not start (${msg}).`, { code: 'LATHE_TOKENIZE_POOL' });
    this.opts.onPool?.({ error: msg });
  }

  private dispatch(): void {
    const examples = this.batch;
    this.batch = [];
    const promise = this.pool!.run(examples);
    const entry: Pending = { examples, promise };
    // Awaited in order by takeHead; marked handled now so a failure behind an earlier one is never an unhandled rejection.
    promise.then((r) => { entry.done = r; }, () => {});
    this.pending.push(entry);
  }

  private async takeHead(): Promise<StageResult[]> {
    const head = this.pending.shift()!;
    if (head.inline) return head.inline;
    const results = head.done ?? (await this.abortable(head.promise!));
    return results.map((r, i) => {
      this.workerFallbacks += r.fallbacks;
      const ex = head.examples[i];
      if (r.error) return { ex, error: new LatheError(r.error.code, r.error.message, r.error.hint) };
      const tok: TokenizedExample = { line: ex.line, seqs: r.seqs! };
      if (ex.file) tok.file = ex.file;
      if (r.notes) tok.notes = r.notes;
      if (r.lengthFit) tok.lengthFit = r.lengthFit;
      return { ex, tok };
    });
  }

  /** Waits for a worker, but gives up at once when the import is cancelled. */
  private abortable<T>(p: Promise<T>): Promise<T> {
    const signal = this.opts.signal;
    if (!signal) return p;
    if (signal.aborted) return Promise.reject(cancelledError(this.opts.path));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(cancelledError(this.opts.path));
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(
        (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
        (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e as Error); },
      );
    });
  }
}
