// A tiny pure-TypeScript model with the engine's TrainableModel contract (a frozen bigram table plus a LoRA-style
// low-rank update, AdamW, state save/load), so the trainer can be tested exactly without the native engine.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StepOptions, StepResult, TrainBatch, TrainableModel } from '../../main/host/trainer/engine-port';
import { mulberry32 } from '../../main/data/rng';

export class ToyModel implements TrainableModel {
  readonly base: Float64Array; // (V, V) frozen logits
  A: Float64Array; // (V, R)
  B: Float64Array; // (R, V), zero at init: a fresh adapter changes nothing
  private gA: Float64Array;
  private gB: Float64Array;
  private mA: Float64Array;
  private vA: Float64Array;
  private mB: Float64Array;
  private vB: Float64Array;
  private t = 0;
  private kept: TrainBatch | null = null;
  forwards = 0;

  constructor(readonly V: number, readonly R: number, readonly scale = 2, seed = 1) {
    const rand = mulberry32(seed);
    this.base = Float64Array.from({ length: V * V }, () => (rand() - 0.5) * 2);
    this.A = Float64Array.from({ length: V * R }, () => (rand() - 0.5) / Math.sqrt(V));
    this.B = new Float64Array(R * V);
    this.gA = new Float64Array(V * R);
    this.gB = new Float64Array(R * V);
    this.mA = new Float64Array(V * R);
    this.vA = new Float64Array(V * R);
    this.mB = new Float64Array(R * V);
    this.vB = new Float64Array(R * V);
  }

  private logits(prev: number, adapter: boolean): Float64Array {
    const { V, R } = this;
    const out = this.base.slice(prev * V, prev * V + V);
    if (adapter) for (let k = 0; k < R; k++) for (let v = 0; v < V; v++) out[v] += this.scale * this.A[prev * R + k] * this.B[k * V + v];
    return out;
  }

  private softmax(l: Float64Array): Float64Array {
    let m = -Infinity;
    for (const x of l) m = Math.max(m, x);
    let s = 0;
    const p = l.map((x) => Math.exp(x - m));
    for (const x of p) s += x;
    return p.map((x) => x / s);
  }

  async forward(b: TrainBatch, opts: { adapter: boolean; keepForBackward: boolean }): Promise<Float32Array> {
    this.forwards++;
    const out = new Float32Array(b.tokens.length);
    for (let i = 0; i < b.tokens.length; i++) {
      if (b.targets[i] < 0) continue;
      const p = this.softmax(this.logits(b.tokens[i], opts.adapter));
      out[i] = Math.log(p[b.targets[i]]);
    }
    this.kept = opts.keepForBackward ? b : null;
    return out;
  }

  /** Samples from the adapted bigram (greedy at temperature 0), seeded: the same seed gives the same tokens. */
  async generate(prompt: number[], o: { maxNewTokens: number; temperature: number; seed: number; stop: number[] }): Promise<number[]> {
    const rand = mulberry32(o.seed);
    const out: number[] = [];
    let prev = prompt[prompt.length - 1];
    for (let i = 0; i < o.maxNewTokens; i++) {
      const l = this.logits(prev, true);
      let next = 0;
      if (o.temperature <= 0) {
        for (let v = 1; v < this.V; v++) if (l[v] > l[next]) next = v;
      } else {
        const p = this.softmax(l.map((x) => x / o.temperature));
        let u = rand();
        while (next < this.V - 1 && u >= p[next]) u -= p[next++];
      }
      out.push(next);
      if (o.stop.includes(next)) break;
      prev = next;
    }
    return out;
  }

  async backward(seeds: Float32Array): Promise<void> {
    const b = this.kept;
    if (!b) throw new Error('backward without a kept forward');
    const { V, R, scale } = this;
    for (let i = 0; i < b.tokens.length; i++) {
      if (b.targets[i] < 0 || seeds[i] === 0) continue;
      const prev = b.tokens[i];
      const p = this.softmax(this.logits(prev, true));
      for (let v = 0; v < V; v++) {
        const dl = seeds[i] * ((v === b.targets[i] ? 1 : 0) - p[v]);
        for (let k = 0; k < R; k++) {
          this.gA[prev * R + k] += scale * dl * this.B[k * V + v];
          this.gB[k * V + v] += scale * dl * this.A[prev * R + k];
        }
      }
    }
  }

  async step(o: StepOptions): Promise<StepResult> {
    let sq = 0;
    for (const g of [this.gA, this.gB]) for (const x of g) sq += x * x;
    const gradNorm = Math.sqrt(sq);
    if (!Number.isFinite(gradNorm)) {
      await this.zeroGrad();
      return { gradNorm, skipped: true };
    }
    const clip = gradNorm > o.maxGradNorm ? o.maxGradNorm / gradNorm : 1;
    this.t++;
    const bc1 = 1 - o.beta1 ** this.t;
    const bc2 = 1 - o.beta2 ** this.t;
    const update = (p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array) => {
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] * clip;
        m[i] = o.beta1 * m[i] + (1 - o.beta1) * gi;
        v[i] = o.beta2 * v[i] + (1 - o.beta2) * gi * gi;
        p[i] -= o.lr * (m[i] / bc1 / (Math.sqrt(v[i] / bc2) + o.eps) + o.weightDecay * p[i]);
      }
    };
    update(this.A, this.gA, this.mA, this.vA);
    update(this.B, this.gB, this.mB, this.vB);
    await this.zeroGrad();
    return { gradNorm, skipped: false };
  }

  async zeroGrad(): Promise<void> {
    this.gA.fill(0);
    this.gB.fill(0);
  }

  async saveAdapter(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'toy_adapter.json'), JSON.stringify({ A: [...this.A], B: [...this.B] }));
  }

  async saveState(file: string): Promise<void> {
    writeFileSync(file, JSON.stringify({ t: this.t, A: [...this.A], B: [...this.B], mA: [...this.mA], vA: [...this.vA], mB: [...this.mB], vB: [...this.vB] }));
  }

  async loadState(file: string): Promise<void> {
    const s = JSON.parse(readFileSync(file, 'utf8'));
    this.t = s.t;
    this.A = Float64Array.from(s.A);
    this.B = Float64Array.from(s.B);
    this.mA = Float64Array.from(s.mA);
    this.vA = Float64Array.from(s.vA);
    this.mB = Float64Array.from(s.mB);
    this.vB = Float64Array.from(s.vB);
  }

  weightsFinite(): boolean {
    return [...this.A, ...this.B].every(Number.isFinite);
  }
}

/** Examples over a vocab of V: a deterministic "next = (prev * 3 + 1) mod V" skill, prompt tokens unweighted. */
export function toyExamples(n: number, V: number, seed = 7): { ids: number[]; weights: number[] }[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const len = 4 + Math.floor(rand() * 8);
    const ids = [Math.floor(rand() * V)];
    for (let i = 1; i < len; i++) ids.push((ids[i - 1] * 3 + 1) % V);
    const weights = ids.map((_, i) => (i < 2 ? 0 : 1));
    return { ids, weights };
  });
}
