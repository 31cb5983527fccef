// Deterministic train/validation split: a seeded shuffle picks exactly the requested number of validation examples.

export interface SplitOptions {
  /** Fraction of examples for validation (0..0.5); ignored when valCount is set. */
  valFraction?: number;
  /** Exact number of validation examples. */
  valCount?: number;
  seed?: number;
}

/** splitmix32: small, fast, and the same on every platform (Math.random is not seedable). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

export function validationCount(n: number, o: SplitOptions): number {
  if (o.valCount != null) return Math.max(0, Math.min(n, Math.floor(o.valCount)));
  const f = o.valFraction ?? 0;
  return Math.max(0, Math.min(n, Math.round(n * f)));
}

/** flags[i] = 1 when example i goes to validation. Same n, options and seed: same split. */
export function splitFlags(n: number, o: SplitOptions): Uint8Array {
  const k = validationCount(n, o);
  const flags = new Uint8Array(n);
  if (k === 0) return flags;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const r = rng(o.seed ?? 0);
  // Partial Fisher-Yates: the first k positions are a uniform sample.
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(r() * (n - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
    flags[idx[i]] = 1;
  }
  return flags;
}
