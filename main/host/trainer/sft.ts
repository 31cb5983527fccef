// The SFT objective on top of the engine primitive: loss = -Σ w·logp / Σ w over a whole optimizer step (all its
// micro-batches), so each supervised token counts the same however the step is split; seeds = -w / Σ w.
export function sftLoss(logp: Float32Array, weights: Float32Array, totalWeight: number): number {
  let s = 0;
  for (let i = 0; i < logp.length; i++) if (weights[i] !== 0) s -= weights[i] * logp[i];
  return s / totalWeight;
}

export function sftSeeds(weights: Float32Array, totalWeight: number): Float32Array {
  const seeds = new Float32Array(weights.length);
  for (let i = 0; i < weights.length; i++) seeds[i] = weights[i] === 0 ? 0 : -weights[i] / totalWeight;
  return seeds;
}
