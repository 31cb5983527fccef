// Merge-quality guard (runs the engine: CLI / engine host only): mean per-token KL(P‖Q) between P = the adapter on
// the base quantized as in training and Q = the merged model. The engine returns log-probs of given tokens, so KL is
// estimated by Monte Carlo: continuations are sampled from P (temperature 1) after each validation prompt, and
// KL ≈ mean over sampled tokens of k3 = (r − 1) − log r with r = Q/P (Schulman's estimator): unbiased like the plain
// mean of log P − log Q, but never negative and with far less variance when P and Q are close, as a good merge is.
import { openEngine, type Quant } from '../engine/engine';

export interface KlRow {
  ids: number[];
  /** Tokens of the prompt; sampling starts after them. */
  promptLen: number;
}

export interface MergeKlOptions {
  baseDir: string;
  adapterDir: string;
  /** How the base was quantized in training (the model the adapter was fitted to). */
  quant: Quant;
  mergedDir: string;
  rows: KlRow[];
  sampleTokens?: number;
  seed?: number;
  threads?: number;
  signal?: AbortSignal;
}

export interface MergeKlResult {
  kl: number;
  tokens: number;
  rows: number;
}

export async function measureMergeKL(o: MergeKlOptions): Promise<MergeKlResult> {
  const engine = openEngine({ threads: o.threads ?? 0 });
  const n = o.sampleTokens ?? 32;
  const rows = o.rows.filter((r) => r.promptLen >= 1);
  const maxSeqLen = Math.max(8, ...rows.map((r) => r.promptLen + n + 1));
  const seqs: { ids: number[]; promptLen: number; lpP: Float32Array }[] = [];
  const p = await engine.loadModel(o.baseDir, { quant: o.quant, maxSeqLen, signal: o.signal });
  try {
    await p.loadAdapter(o.adapterDir);
    for (let i = 0; i < rows.length; i++) {
      const prompt = rows[i].ids.slice(0, rows[i].promptLen);
      const g = await p.generate(prompt, { maxNewTokens: n, temperature: 1, seed: (o.seed ?? 1) + i, adapter: true, signal: o.signal });
      if (g.tokens.length === 0) continue;
      const ids = [...prompt, ...g.tokens];
      seqs.push({ ids, promptLen: prompt.length, lpP: await p.logprobs(ids, { adapter: true, signal: o.signal }) });
    }
  } finally {
    await p.close();
  }
  // One model at a time keeps peak memory at one model.
  const q = await engine.loadModel(o.mergedDir, { quant: 'none', maxSeqLen, signal: o.signal });
  let sum = 0;
  let tokens = 0;
  try {
    for (const s of seqs) {
      const lpQ = await q.logprobs(s.ids, { adapter: false, signal: o.signal });
      // logprobs[i] scores ids[i+1]; the sampled tokens start at ids[promptLen].
      for (let i = s.promptLen - 1; i < s.ids.length - 1; i++) {
        const logRatio = lpQ[i] - s.lpP[i];
        sum += Math.expm1(logRatio) - logRatio;
        tokens++;
      }
    }
  } finally {
    await q.close();
  }
  return { kl: tokens ? sum / tokens : 0, tokens, rows: seqs.length };
}

/** Validation examples → KL rows: the prompt is everything before the first trained (weighted) token. */
export function klRowsFromExamples(examples: { ids: ArrayLike<number>; weights: ArrayLike<number> }[], maxRows = 8, maxPrompt = 256): KlRow[] {
  const out: KlRow[] = [];
  for (const e of examples.slice(0, maxRows)) {
    const ids = Array.from(e.ids);
    let first = Array.from(e.weights).findIndex((w, i) => i > 0 && w > 0);
    if (first < 1) first = Math.max(1, Math.floor(ids.length / 2));
    const start = Math.max(0, first - maxPrompt);
    out.push({ ids: ids.slice(start, first), promptLen: first - start });
  }
  return out;
}
