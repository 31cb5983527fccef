// A pool of worker threads that render + tokenize batches of examples with the same tokenizer, so imports use every core.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LatheError } from '../api/errors';
import type { WorkerInit, WorkerReply, WorkerRowResult } from './tokenize-protocol';
import type { Example } from './types';

/** Name of the worker entry in the main build (electron.vite.config.ts) and of its source file. */
const ENTRY = 'tokenize-worker';

/**
 * How to start a worker from wherever this module runs. Bundled (out/main/*.js, chunks in out/main/chunks/): the
 * build's own worker entry beside the bundle. From TypeScript sources (vitest, dev scripts): Node cannot run .ts
 * files, so a small script loads the worker source through Vite's module runner, as the benchmarks load sources.
 */
export function workerLaunch(): { script: string | URL; eval: boolean; data: Record<string, unknown> } {
  const here = import.meta.url;
  if (/\.[cm]?ts$/.test(new URL(here).pathname)) {
    const entry = fileURLToPath(new URL(`./${ENTRY}.ts`, here));
    const vite = pathToFileURL(createRequire(here).resolve('vite')).href;
    const script = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(vite)})
        .then((vite) => vite.runnerImport(${JSON.stringify(entry)}))
        .catch((err) => parentPort.postMessage({ startError: { code: 'tokenizer_worker_failed', message: String((err && err.stack) || err) } }));`;
    return { script, eval: true, data: {} };
  }
  for (const rel of [`./${ENTRY}.js`, `../${ENTRY}.js`]) {
    const url = new URL(rel, here);
    if (existsSync(url)) return { script: url, eval: false, data: {} };
  }
  throw new LatheError(
    'tokenizer_worker_missing',
    `The tokenizer worker (${ENTRY}.js) is not next to ${fileURLToPath(here)}.`,
    'Rebuild the app (npm run build); the build writes it to out/main/.',
  );
}

interface Slot {
  worker: Worker;
  /** Set when the worker crashed or exited: no more batches go to it. */
  dead: Error | null;
  pending: Map<number, { resolve: (r: WorkerRowResult[]) => void; reject: (e: Error) => void; examples: Example[] }>;
}

function where(ex: Example | undefined): string {
  if (!ex) return 'a row';
  return `${ex.file ? `${ex.file} ` : ''}line ${ex.line}`;
}

export class TokenizePool {
  /** Worker threads alive in this process, all pools together (tests check that cancelled imports leave none). */
  static live = 0;
  /** Resolves once every worker has loaded the tokenizer; rejects (and closes the pool) if any cannot. */
  readonly ready: Promise<void>;
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(size: number, init: WorkerInit) {
    const launch = workerLaunch();
    const readies: Promise<void>[] = [];
    for (let i = 0; i < size; i++) {
      const worker = new Worker(launch.script, { eval: launch.eval, workerData: { ...launch.data, ...init } });
      TokenizePool.live++;
      const slot: Slot = { worker, dead: null, pending: new Map() };
      this.slots.push(slot);
      readies.push(new Promise<void>((resolve, reject) => {
        const failAll = (err: Error): void => {
          slot.dead ??= err;
          reject(err);
          for (const p of slot.pending.values()) p.reject(err);
          slot.pending.clear();
        };
        worker.on('message', (m: WorkerReply) => {
          if ('ready' in m) return resolve();
          if ('startError' in m) return reject(new LatheError(m.startError.code, m.startError.message, m.startError.hint));
          const p = slot.pending.get(m.id);
          if (!p) return;
          slot.pending.delete(m.id);
          if ('results' in m) return p.resolve(m.results);
          const err = new Error(`Tokenizing ${where(p.examples[m.fatal.index])} failed: ${m.fatal.message}`);
          if (m.fatal.stack) err.stack = `${err.message}\n(worker) ${m.fatal.stack}`;
          p.reject(err);
        });
        worker.on('error', (err) => {
          const first = slot.pending.values().next().value?.examples[0];
          failAll(new Error(`The tokenizer worker failed${first ? ` while tokenizing from ${where(first)}` : ''}: ${err.message}`));
        });
        worker.on('exit', (code) => {
          TokenizePool.live--;
          if (!this.closed) failAll(new Error(`The tokenizer worker stopped (exit code ${code}) before the import finished.`));
          // Closed while loading: settle `ready` so nothing waits on it forever (batches in flight are abandoned).
          else reject(new Error('The tokenize pool was closed.'));
        });
      }));
    }
    this.ready = Promise.all(readies).then(
      () => undefined,
      async (err: unknown) => {
        await this.close();
        throw err;
      },
    );
    // The failure is reported through `ready` by whoever awaits it; never as an unhandled rejection.
    this.ready.catch(() => {});
  }

  get size(): number {
    return this.slots.length;
  }

  /** Tokenizes one batch on the least busy worker; results come back in the batch's order. */
  run(examples: Example[]): Promise<WorkerRowResult[]> {
    if (this.closed) return Promise.reject(new Error('The tokenize pool is closed.'));
    let slot: Slot | null = null;
    for (const s of this.slots) if (!s.dead && (!slot || s.pending.size < slot.pending.size)) slot = s;
    if (!slot) return Promise.reject(this.slots[0]?.dead ?? new Error('The tokenize pool has no worker.'));
    const target = slot;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      target.pending.set(id, { resolve, reject, examples });
      target.worker.postMessage({ id, examples });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
