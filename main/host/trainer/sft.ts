// The SFT objective on top of the engine primitive (architecture.md §3): loss = -Σ w·logp / Σ w, seeds = -w / Σ w.
// The trainer normalises over a whole optimizer step (all its micro-batches), so each supervised token counts the
// same however the step is split; sftBatchLoss is the one-batch form (the objective the trainer runs is objectives/sft-objective.ts).
export function sftLoss(logp: ArrayLike<number>, weights: ArrayLike<number>, totalWeight: number): number {
  let s = 0;
  for (let i = 0; i < logp.length; i++) if (weights[i] !== 0) s -= weights[i] * logp[i];
  return s / totalWeight;
}

export function sftSeeds(weights: ArrayLike<number>, totalWeight: number): Float32Array {
  const seeds = new Float32Array(weights.length);
  for (let i = 0; i < weights.length; i++) seeds[i] = weights[i] === 0 ? 0 : -weights[i] / totalWeight;
  return seeds;
}

export interface SftResult {
  /** NaN never leaves here: a batch with no supervised token has loss 0 and `skip` set. */
  loss: number;
  seeds: Float32Array;
  supervisedTokens: number;
  /** True when the batch has nothing to learn (Σ w = 0): do not call backward/step for it. */
  skip: boolean;
}

/** One batch on its own: its weights are the whole normaliser. */
export function sftBatchLoss(logp: ArrayLike<number>, weights: ArrayLike<number>): SftResult {
  if (logp.length !== weights.length) throw new Error(`sftBatchLoss: logp has ${logp.length} entries but weights has ${weights.length}`);
  let w = 0;
  for (let i = 0; i < weights.length; i++) w += weights[i];
  if (w <= 0) return { loss: 0, seeds: new Float32Array(logp.length), supervisedTokens: 0, skip: true };
  return { loss: sftLoss(logp, weights, w), seeds: sftSeeds(weights, w), supervisedTokens: w, skip: false };
}
