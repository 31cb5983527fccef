// Adapter merge lab: combines LoRA adapters of one base into one ordinary adapter, module by module.
// linear: exact weighted sum of the deltas (ranks concatenated); svd: that sum re-factored at a chosen rank;
// ties: trim each delta to its largest `density` share, elect a sign per weight, average the agreeing ones;
// dare: drop weights at random with probability 1-density, rescale the rest by 1/density, then sum.
import { LatheError } from '../api/errors';
import { truncatedSvd, uniform } from './linalg';
import { loraDelta, type LoraModuleWeights, type PeftAdapter } from './peft-adapter';

export type MergeMethod = 'linear' | 'ties' | 'dare' | 'svd';
export const MERGE_METHODS: MergeMethod[] = ['linear', 'ties', 'dare', 'svd'];

export interface MergeOptions {
  method: MergeMethod;
  /** One weight per adapter (default: equal weights summing to 1). */
  weights?: number[];
  /** Target rank for svd/ties/dare (default: the largest input rank); optional for linear (re-factors when set). */
  rank?: number;
  /** Share of weights kept by ties/dare (default 0.5). */
  density?: number;
  seed?: number;
}

export type MergedModule = Pick<LoraModuleWeights, 'module' | 'r' | 'inFeatures' | 'outFeatures' | 'A' | 'B'>;

export interface MergedAdapter {
  /** lora_alpha to write (use_rslora false); B already carries each module's r/alpha so scale·B·A is the delta. */
  alpha: number;
  modules: MergedModule[];
}

/** TIES on full deltas (already weighted): trim, elect sign by the summed mass, disjoint mean. */
export function tiesCombine(deltas: Float32Array[], density: number): Float32Array {
  const n = deltas[0].length;
  const trimmed = deltas.map((d) => {
    const keep = Math.round(density * n);
    if (keep >= n) return d;
    const mags = Float32Array.from(d, Math.abs).sort();
    if (keep === 0) return new Float32Array(n);
    const cut = mags[n - keep];
    // Everything above the cut survives; ties at the cut keep the earliest entries so exactly `keep` survive.
    let ties = keep - mags.filter((m) => m > cut).length;
    return d.map((v) => (Math.abs(v) > cut ? v : Math.abs(v) === cut && ties > 0 && ties-- > 0 ? v : 0));
  });
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (const t of trimmed) sum += t[j];
    const sign = Math.sign(sum);
    if (sign === 0) continue;
    let acc = 0;
    let cnt = 0;
    for (const t of trimmed) {
      if (Math.sign(t[j]) === sign) {
        acc += t[j];
        cnt++;
      }
    }
    out[j] = cnt ? acc / cnt : 0;
  }
  return out;
}

/** DARE: each weight survives with probability `density` and is rescaled by 1/density; the results are summed. */
export function dareCombine(deltas: Float32Array[], density: number, seed: number): Float32Array {
  const n = deltas[0].length;
  const out = new Float32Array(n);
  const u = uniform(seed);
  for (const d of deltas) for (let j = 0; j < n; j++) if (u() < density) out[j] += d[j] / density;
  return out;
}

function factor(delta: Float32Array, out: number, inF: number, rank: number, seed: number): { A: Float32Array; B: Float32Array; r: number } {
  const r = Math.max(1, Math.min(rank, out, inF));
  const { U, S, Vt } = truncatedSvd(Float64Array.from(delta), out, inF, r, seed);
  const k = S.length;
  const A = new Float32Array(k * inF);
  const B = new Float32Array(out * k);
  for (let c = 0; c < k; c++) {
    const s = Math.sqrt(S[c]);
    for (let j = 0; j < inF; j++) A[c * inF + j] = Vt[c * inF + j] * s;
    for (let i = 0; i < out; i++) B[i * k + c] = U[i * k + c] * s;
  }
  return { A, B, r: k };
}

export function mergeAdapters(adapters: PeftAdapter[], opts: MergeOptions): MergedAdapter {
  if (adapters.length < 2) throw new LatheError('invalid_option', `merging needs at least 2 adapters (got ${adapters.length})`, 'Pass --adapter twice or more.');
  const weights = opts.weights ?? adapters.map(() => 1 / adapters.length);
  if (weights.length !== adapters.length || weights.some((w) => !Number.isFinite(w))) {
    throw new LatheError('invalid_option', `--weights needs ${adapters.length} numbers, one per adapter (got ${weights.join(',')})`, 'Example: --weights 0.5,0.5');
  }
  const density = opts.density ?? 0.5;
  if (!(density > 0 && density <= 1)) throw new LatheError('invalid_option', `density must be in (0, 1] (got ${density})`);
  if (opts.rank !== undefined && !(Number.isInteger(opts.rank) && opts.rank > 0)) {
    throw new LatheError('invalid_option', `--rank must be a positive integer (got ${opts.rank})`);
  }
  const seed = opts.seed ?? 1;
  const names = [...new Set(adapters.flatMap((a) => a.modules.map((m) => m.module)))].sort();
  const maxRank = Math.max(...adapters.flatMap((a) => a.modules.map((m) => m.r)));
  const targetRank = opts.rank ?? maxRank;
  const raw: { module: string; inFeatures: number; outFeatures: number; A: Float32Array; B: Float32Array; r: number }[] = [];
  names.forEach((module, mi) => {
    const parts = adapters.map((a, i) => ({ m: a.modules.find((x) => x.module === module), w: weights[i], dir: a.dir }));
    const ref = parts.find((p) => p.m)!.m!;
    for (const p of parts) {
      if (p.m && (p.m.inFeatures !== ref.inFeatures || p.m.outFeatures !== ref.outFeatures)) {
        throw new LatheError('adapter_mismatch', `${p.dir}: module ${module} is [${p.m.outFeatures}, ${p.m.inFeatures}], another adapter has [${ref.outFeatures}, ${ref.inFeatures}]`, 'Merge only adapters trained on the same base model.');
      }
    }
    const present = parts.filter((p) => p.m) as { m: LoraModuleWeights; w: number }[];
    const { inFeatures: inF, outFeatures: out } = ref;
    if (opts.method === 'linear' && opts.rank === undefined) {
      // Exact: [w1·s1·B1 | w2·s2·B2 | …] · [A1; A2; …] = Σ wᵢ·sᵢ·Bᵢ·Aᵢ.
      const r = present.reduce((a, p) => a + p.m.r, 0);
      const A = new Float32Array(r * inF);
      const B = new Float32Array(out * r);
      let off = 0;
      for (const { m, w } of present) {
        A.set(m.A, off * inF);
        for (let i = 0; i < out; i++) for (let k = 0; k < m.r; k++) B[i * r + off + k] = m.B[i * m.r + k] * w * m.scale;
        off += m.r;
      }
      raw.push({ module, inFeatures: inF, outFeatures: out, A, B, r });
      return;
    }
    const deltas = present.map(({ m, w }) => loraDelta({ ...m, scale: m.scale * w }));
    let delta: Float32Array;
    if (opts.method === 'ties') delta = tiesCombine(deltas, density);
    else if (opts.method === 'dare') delta = dareCombine(deltas, density, seed + mi);
    else {
      delta = new Float32Array(out * inF);
      for (const d of deltas) for (let j = 0; j < d.length; j++) delta[j] += d[j];
    }
    raw.push({ module, inFeatures: inF, outFeatures: out, ...factor(delta, out, inF, targetRank, seed + mi) });
  });
  // One alpha for the file: the most common rank, so most modules have scale 1; B absorbs r/alpha for the others.
  const counts = new Map<number, number>();
  for (const m of raw) counts.set(m.r, (counts.get(m.r) ?? 0) + 1);
  const alpha = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
  const modules = raw.map((m) => (m.r === alpha ? m : { ...m, B: m.B.map((x) => (x * m.r) / alpha) }));
  return { alpha, modules };
}
