// GRPO's arithmetic: group-normalised advantages, the clipped policy-ratio objective and the k3 KL estimator per
// token, and the loss normalisations (GRPO per sequence, DAPO per token, Dr. GRPO by a constant), with dLoss/dlogp.

export type GrpoNorm = 'grpo' | 'dapo' | 'dr_grpo';

/** (r - mean) / (std + 1e-4) within a group (GRPO); Dr. GRPO drops the std division (scaleByStd false). */
export function groupAdvantages(rewards: number[], scaleByStd = true): number[] {
  const n = rewards.length;
  const mean = rewards.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(rewards.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  return rewards.map((r) => (scaleByStd ? (r - mean) / (std + 1e-4) : r - mean));
}

/**
 * One token's loss -min(rho A, clip(rho, 1-eps, 1+eps) A) + beta k3, rho = exp(logp - oldLogp), and its derivative
 * with respect to logp. k3 = exp(ref - logp) - (ref - logp) - 1 (unbiased, always >= 0).
 */
export function tokenLoss(logp: number, oldLogp: number, refLogp: number | null, advantage: number, eps: number, beta: number): { loss: number; d: number; kl: number } {
  const rho = Math.exp(logp - oldLogp);
  const unclipped = rho * advantage;
  const clipped = Math.min(Math.max(rho, 1 - eps), 1 + eps) * advantage;
  // The min picks the clipped branch only when it is smaller; the clipped branch has no gradient outside the band.
  const useClipped = clipped < unclipped;
  let loss = -(useClipped ? clipped : unclipped);
  let d = useClipped && (rho < 1 - eps || rho > 1 + eps) ? 0 : -rho * advantage;
  let kl = 0;
  if (refLogp !== null && beta > 0) {
    const x = refLogp - logp;
    kl = Math.exp(x) - x - 1;
    loss += beta * kl;
    d += beta * (1 - Math.exp(x));
  }
  return { loss, d, kl };
}

/** The weight of each token of sequence `i` in the step's loss, given every sequence's completion length. */
export function tokenWeights(norm: GrpoNorm, lengths: number[], maxNewTokens: number): number[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  const seqs = lengths.length;
  return lengths.map((len) => {
    if (len === 0) return 0;
    if (norm === 'grpo') return 1 / (len * seqs);
    if (norm === 'dapo') return 1 / Math.max(1, total);
    return 1 / (seqs * maxNewTokens);
  });
}
