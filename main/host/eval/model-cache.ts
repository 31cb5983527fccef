// The engine host's one loaded model for evaluation and chat: loading (and quantizing) a base takes seconds, and the
// checkpoint picker, repeated evals and a chat all reuse the same base with different adapters. A different model,
// quantization or a longer context replaces it; release() frees it (the CLI, when done).
import { openEngine, type EngineModel } from '../../engine/engine';
import type { Quant } from '../../engine/engine';

interface Cached {
  key: string;
  maxSeqLen: number;
  model: EngineModel;
  /** The adapter folder loaded now (null: none, or one initialised in memory). */
  adapter: string | null;
}

let cached: Cached | null = null;
/** Calls are serialised: two requests must not swap the model or its adapter under each other. */
let queue: Promise<unknown> = Promise.resolve();

export interface Lease {
  model: EngineModel;
  /** Loads the adapter folder unless it is the one already loaded. */
  useAdapter(dir: string): Promise<void>;
  /** The caller replaces the adapter in memory (initLora, the Learn page's one step): forget the loaded folder. */
  forgetAdapter(): void;
}

async function acquire(o: { model: string; quant: Quant; threads?: number; maxSeqLen: number; signal?: AbortSignal }): Promise<Lease> {
  const key = `${o.model}|${o.quant}|${o.threads ?? 0}`;
  if (!cached || cached.key !== key || cached.maxSeqLen < o.maxSeqLen) {
    await release();
    // Room for longer requests later (a chat grows), so the model is not reloaded for every few tokens more.
    const maxSeqLen = Math.max(o.maxSeqLen, 2048);
    const model = await openEngine({ threads: o.threads }).loadModel(o.model, { quant: o.quant, maxSeqLen, signal: o.signal });
    cached = { key, maxSeqLen, model, adapter: null };
  }
  const c = cached;
  return {
    model: c.model,
    async useAdapter(dir) {
      if (c.adapter === dir) return;
      c.adapter = null;
      await c.model.loadAdapter(dir);
      c.adapter = dir;
    },
    forgetAdapter() {
      c.adapter = null;
    },
  };
}

/** Runs fn with the cached model (loading it first if needed); one caller at a time. */
export function withModel<T>(o: { model: string; quant: Quant; threads?: number; maxSeqLen: number; signal?: AbortSignal }, fn: (lease: Lease) => Promise<T>): Promise<T> {
  const run = queue.then(async () => fn(await acquire(o)));
  queue = run.catch(() => undefined);
  return run;
}

export async function release(): Promise<void> {
  const c = cached;
  cached = null;
  await c?.model.close();
}
