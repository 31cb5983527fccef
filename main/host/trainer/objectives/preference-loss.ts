// The DPO-family losses on one (chosen, rejected) pair, as TRL defines them, with their exact derivatives with respect
// to the policy's summed log-probs of each answer (the trainer turns those into per-token seeds for the engine).
// Every formula is written with overflow-safe log-sigmoid / log1m-exp, so huge margins give finite losses.
import type { ObjectiveName } from '../../../api/training-config';

export type PreferenceObjective = Extract<ObjectiveName, 'dpo' | 'ipo' | 'orpo' | 'simpo'>;

/** Summed log-probs of the scored tokens of each answer, and how many tokens were scored. */
export interface PairLogps {
  chosen: number;
  rejected: number;
  chosenTokens: number;
  rejectedTokens: number;
}

/** The same sums under the reference policy (the base, adapter off); dpo and ipo need them, orpo and simpo do not. */
export interface RefLogps {
  chosen: number;
  rejected: number;
}

export interface PreferenceParams {
  beta: number;
  /** dpo / simpo: conservative-DPO label smoothing epsilon. */
  labelSmoothing: number;
  /** simpo: target margin gamma. */
  simpoGamma: number;
}

export interface PairLoss {
  loss: number;
  /** dLoss / d(summed policy log-prob of the chosen answer). */
  dChosen: number;
  /** dLoss / d(summed policy log-prob of the rejected answer). */
  dRejected: number;
  /** Implicit rewards as TRL reports them (rewards/chosen, rewards/rejected). */
  rewardChosen: number;
  rewardRejected: number;
}

/** log(sigmoid(x)) without overflow for any finite x. */
export function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 - exp(x)) for x < 0, accurate near 0 and for very negative x (Mächler's log1mexp). */
export function log1mExp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** The sigmoid loss with label smoothing on a logit h, and dLoss/dh. */
function smoothedSigmoid(h: number, eps: number): { loss: number; dh: number } {
  return { loss: -(1 - eps) * logSigmoid(h) - eps * logSigmoid(-h), dh: -(1 - eps) * sigmoid(-h) + eps * sigmoid(h) };
}

// ORPO's log-odds need log(1 - p) of a mean log-prob; a mean of exactly 0 (p = 1) would make it -inf, so it is kept
// just below 0. That only happens for a one-token answer the model is certain of.
const MAX_MEAN_LOGP = -1e-6;

export function pairLoss(objective: PreferenceObjective, p: PairLogps, ref: RefLogps | null, params: PreferenceParams): PairLoss {
  const { beta, labelSmoothing: eps } = params;
  if (p.chosenTokens <= 0 || p.rejectedTokens <= 0) throw new Error('pairLoss: a pair with an empty chosen or rejected answer has nothing to score');
  switch (objective) {
    case 'dpo': {
      if (!ref) throw new Error('pairLoss: dpo needs the reference log-probs');
      const rc = p.chosen - ref.chosen;
      const rr = p.rejected - ref.rejected;
      const { loss, dh } = smoothedSigmoid(beta * (rc - rr), eps);
      return { loss, dChosen: beta * dh, dRejected: -beta * dh, rewardChosen: beta * rc, rewardRejected: beta * rr };
    }
    case 'ipo': {
      // IPO regresses the (length-averaged) log-ratio gap to 1/(2 beta); TRL averages the log-probs over the answer's tokens.
      if (!ref) throw new Error('pairLoss: ipo needs the reference log-probs');
      const rc = (p.chosen - ref.chosen) / p.chosenTokens;
      const rr = (p.rejected - ref.rejected) / p.rejectedTokens;
      const d = rc - rr - 1 / (2 * beta);
      return { loss: d * d, dChosen: (2 * d) / p.chosenTokens, dRejected: (-2 * d) / p.rejectedTokens, rewardChosen: beta * rc, rewardRejected: beta * rr };
    }
    case 'orpo': {
      // loss = NLL(chosen) - beta * log sigmoid(log odds(chosen) - log odds(rejected)), on mean per-token log-probs.
      const a = Math.min(p.chosen / p.chosenTokens, MAX_MEAN_LOGP);
      const b = Math.min(p.rejected / p.rejectedTokens, MAX_MEAN_LOGP);
      const logOdds = a - b - (log1mExp(a) - log1mExp(b));
      const loss = -a - beta * logSigmoid(logOdds);
      const s = sigmoid(-logOdds);
      // d(logOdds)/da = 1 + e^a/(1 - e^a) = 1/(1 - e^a); likewise -1/(1 - e^b) for b. A clamped mean has no gradient.
      const da = -1 - (a === MAX_MEAN_LOGP ? 0 : (beta * s) / -Math.expm1(a));
      const db = b === MAX_MEAN_LOGP ? 0 : (beta * s) / -Math.expm1(b);
      return { loss, dChosen: da / p.chosenTokens, dRejected: db / p.rejectedTokens, rewardChosen: beta * a, rewardRejected: beta * b };
    }
    case 'simpo': {
      const a = p.chosen / p.chosenTokens;
      const b = p.rejected / p.rejectedTokens;
      const { loss, dh } = smoothedSigmoid(beta * (a - b) - params.simpoGamma, eps);
      return { loss, dChosen: (beta * dh) / p.chosenTokens, dRejected: (-beta * dh) / p.rejectedTokens, rewardChosen: beta * a, rewardRejected: beta * b };
    }
  }
}

/** Whether the objective compares against the reference policy (and so needs the cached reference log-probs). */
export const needsReference = (o: PreferenceObjective): boolean => o === 'dpo' || o === 'ipo';
