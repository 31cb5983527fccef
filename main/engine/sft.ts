// The SFT objective on top of the engine's one differentiable primitive (architecture.md §3):
// loss = −Σ w·logp / Σ w, seeds = −w / Σ w, with w the loss mask (prompt 0, answer 1).
export interface SftResult {
  /** NaN never leaves here: a batch with no supervised token has loss 0 and `skip` set. */
  loss: number;
  seeds: Float32Array;
  supervisedTokens: number;
  /** True when the batch has nothing to learn (Σ w = 0): do not call backward/step for it. */
  skip: boolean;
}

export function sftLoss(logp: ArrayLike<number>, mask: ArrayLike<number>): SftResult {
  if (logp.length !== mask.length) throw new Error(`sftLoss: logp has ${logp.length} entries but mask has ${mask.length}`);
  let w = 0;
  for (let i = 0; i < mask.length; i++) w += mask[i];
  const seeds = new Float32Array(logp.length);
  if (w <= 0) return { loss: 0, seeds, supervisedTokens: 0, skip: true };
  let loss = 0;
  for (let i = 0; i < logp.length; i++) {
    loss -= (mask[i] * logp[i]) / w;
    seeds[i] = mask[i] ? -mask[i] / w : 0;
  }
  return { loss, seeds, supervisedTokens: w, skip: false };
}
