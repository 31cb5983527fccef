// Reference log-probs for DPO/IPO: the base model (adapter off; or the starting adapter given by initAdapter) scores
// every chosen and rejected answer once, before the first step, and the sums are kept in the run folder. A resume (or a re-run of the same folder) reuses them as
// long as the key (model, quantisation, sequence length, every token and weight) matches; otherwise they are redone.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../fs/atomic-file';
import type { BatchSource, TokenizedExample } from '../batches';
import type { TrainableModel } from '../engine-port';
import { epochMicros } from './objective';
import { rowSums } from './preference';

export const REFERENCE_FILE = 'reference-logps.json';

interface CacheFile {
  key: string;
  train: number[];
  validation: number[];
}

/** What the reference log-probs depend on. Hashing the tokens costs far less than one forward pass. */
export function referenceKey(parts: { model: string; quant: string; seqLen: number; initAdapter: string | null }, train: TokenizedExample[], validation: TokenizedExample[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(parts));
  for (const set of [train, validation]) {
    h.update(`|${set.length}|`);
    for (const ex of set) {
      h.update(Buffer.from(Int32Array.from(ex.ids).buffer));
      h.update(Buffer.from(Float32Array.from(ex.weights).buffer));
    }
  }
  return h.digest('hex');
}

/**
 * One summed log-prob per example of the source, in example order. The reference is the base (adapter off), or with
 * `adapter` set, the model as it is now: a starting adapter, scored before any step changes it.
 */
export async function referenceLogps(model: TrainableModel, source: BatchSource, examples: number, signal?: AbortSignal, adapter = false): Promise<Float64Array> {
  const out = new Float64Array(examples);
  for (const m of epochMicros(source)) {
    const logp = await model.forward(m.batch, { adapter, keepForBackward: false, signal });
    const { sums } = rowSums(logp, m);
    m.examples.forEach((ex, b) => (out[ex] = sums[b]));
  }
  return out;
}

export interface ReferenceSets {
  train: { source: BatchSource; examples: number };
  validation?: { source: BatchSource; examples: number };
}

/** Loads the run's cached reference log-probs when the key matches, else computes and saves them atomically. */
export async function loadOrComputeReference(runDir: string, key: string, model: TrainableModel, sets: ReferenceSets, log: (m: string) => void, signal?: AbortSignal, adapter = false): Promise<{ train: Float64Array; validation: Float64Array | null; fromCache: boolean }> {
  const file = runDir ? join(runDir, REFERENCE_FILE) : '';
  if (file && existsSync(file)) {
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
      if (c.key === key && c.train.length === sets.train.examples && c.validation.length === (sets.validation?.examples ?? 0)) {
        return { train: Float64Array.from(c.train), validation: sets.validation ? Float64Array.from(c.validation) : null, fromCache: true };
      }
      log(`${REFERENCE_FILE} belongs to other data or another model; computing the reference log-probs again`);
    } catch {
      log(`${REFERENCE_FILE} is unreadable; computing the reference log-probs again`);
    }
  }
  const started = performance.now();
  const train = await referenceLogps(model, sets.train.source, sets.train.examples, signal, adapter);
  const validation = sets.validation ? await referenceLogps(model, sets.validation.source, sets.validation.examples, signal, adapter) : null;
  const total = sets.train.examples + (sets.validation?.examples ?? 0);
  log(`reference log-probs (${adapter ? 'starting adapter' : 'adapter off'}) for ${total} answers in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (file) {
    const body: CacheFile = { key, train: [...train], validation: validation ? [...validation] : [] };
    await writeFileAtomic(file, async (w) => w.write(Buffer.from(JSON.stringify(body))));
  }
  return { train, validation, fromCache: false };
}
