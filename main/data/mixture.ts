// Dataset mixtures: several datasets with sampling weights become one epoch order with each dataset's share kept exactly.
import { LatheError } from '../api/errors';
import { mulberry32 } from './rng';

export interface MixtureSource {
  /** Shown in reports and errors (the dataset's name). */
  name: string;
  /** Examples available in this dataset. */
  size: number;
  /** Relative share of the epoch's examples (default 1); 2 means twice the examples of a weight-1 dataset. */
  weight?: number;
}

export interface MixtureShare {
  name: string;
  weight: number;
  /** The share asked for (weight / sum of weights) and the share the plan delivers, 0..1. */
  target: number;
  actual: number;
  /** Examples drawn from this dataset in one epoch, and how many passes over it that is (above 1: repeated). */
  examples: number;
  passes: number;
}

export interface MixturePlan {
  /** The epoch's order: [source index, example index within that source]. */
  order: [number, number][];
  shares: MixtureShare[];
}

export interface MixtureOptions {
  /** Examples in one epoch; default: the total of all sizes. */
  epochSize?: number;
  seed?: number;
  /** Epoch number: each epoch draws a different order from the same seed. */
  epoch?: number;
}


function shuffled(n: number, next: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/**
 * Plans one epoch. Each dataset gets round(epochSize × weight / Σweights) examples (largest remainder, so they sum to
 * epochSize), drawn without replacement in a shuffled order and reshuffled for each further pass. The datasets are
 * interleaved by smooth weighted round-robin, so every prefix of the epoch holds each dataset within one example of
 * its share (a run stopped early still saw the mixture it asked for).
 */
export function planMixture(sources: MixtureSource[], opts: MixtureOptions = {}): MixturePlan {
  if (sources.length === 0) throw new LatheError('data_mixture_empty', 'The mixture lists no datasets.', 'Add at least one dataset to the mixture.');
  sources.forEach((s) => {
    const w = s.weight ?? 1;
    if (!Number.isFinite(w) || w <= 0) {
      throw new LatheError('data_mixture_weight', `Mixture dataset "${s.name}": weight ${String(s.weight)} is not a positive number.`, 'Give each dataset a weight above 0 (e.g. 1 and 3 for a 25%/75% mix), or remove it from the mixture.');
    }
    if (!Number.isInteger(s.size) || s.size <= 0) {
      throw new LatheError('data_mixture_empty', `Mixture dataset "${s.name}" has no usable examples.`, 'Fix or re-import that dataset (see its validation report), or remove it from the mixture.');
    }
  });
  const weights = sources.map((s) => s.weight ?? 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const epochSize = opts.epochSize ?? sources.reduce((a, s) => a + s.size, 0);
  if (!Number.isInteger(epochSize) || epochSize <= 0) throw new LatheError('data_mixture_epoch', `Mixture epoch size ${epochSize} is not a positive whole number.`, 'Leave it unset (all examples once) or give a positive count.');

  // Largest remainder: floors first, then the biggest fractional parts get the leftover examples.
  const exact = weights.map((w) => (epochSize * w) / total);
  const counts = exact.map(Math.floor);
  let left = epochSize - counts.reduce((a, b) => a + b, 0);
  for (const i of exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, i]) => i)) {
    if (left-- <= 0) break;
    counts[i]++;
  }

  const next = mulberry32(((opts.seed ?? 0) * 0x9e3779b1 + (opts.epoch ?? 0) * 0x85ebca6b) >>> 0);
  // Each source's draws: whole shuffled passes, then part of one more.
  const draws = sources.map((s, k) => {
    const out: number[] = [];
    while (out.length < counts[k]) out.push(...shuffled(s.size, next).slice(0, counts[k] - out.length));
    return out;
  });

  // Smooth weighted round-robin over the counts (nginx's algorithm): deterministic and evenly spread.
  const current = counts.map(() => 0);
  const used = counts.map(() => 0);
  const order: [number, number][] = [];
  for (let n = 0; n < epochSize; n++) {
    let best = -1;
    for (let k = 0; k < counts.length; k++) {
      if (used[k] >= counts[k]) continue;
      current[k] += counts[k];
      if (best < 0 || current[k] > current[best]) best = k;
    }
    current[best] -= epochSize;
    order.push([best, draws[best][used[best]++]]);
  }

  const shares = sources.map((s, k) => ({
    name: s.name,
    weight: weights[k],
    target: weights[k] / total,
    actual: counts[k] / epochSize,
    examples: counts[k],
    passes: counts[k] / s.size,
  }));
  return { order, shares };
}

/** The report lines for a mixture: each dataset's share asked and delivered, and how often it repeats. */
export function formatShares(shares: MixtureShare[]): string[] {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  return shares.map((s) => `  ${s.name}: weight ${s.weight} -> ${pct(s.actual)} of the epoch (asked ${pct(s.target)}), ${s.examples} examples, ${s.passes.toFixed(2)} passes`);
}
