// Test helper: a random (non-zero B) PEFT LoRA adapter for a tiny checkpoint, written with Lathe's PEFT writer.
import { readModelDir } from '../../main/models/model-dir';
import { writePeftAdapter } from '../../main/export/peft-adapter';

const MODULES = {
  q: 'self_attn.q_proj', k: 'self_attn.k_proj', v: 'self_attn.v_proj', o: 'self_attn.o_proj',
  gate: 'mlp.gate_proj', up: 'mlp.up_proj', down: 'mlp.down_proj',
} as const;
export type TinyTarget = keyof typeof MODULES;

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296 - 0.5;
  };
}

export interface TinyAdapterSpec {
  r?: number;
  alpha?: number;
  rslora?: boolean;
  targets?: TinyTarget[];
  seed?: number;
  /** Std of A and B entries; large enough that the adapter visibly changes log-probs. */
  std?: number;
}

export async function writeTinyAdapter(baseDir: string, out: string, spec: TinyAdapterSpec = {}): Promise<string> {
  const m = await readModelDir(baseDir);
  const r = spec.r ?? 4;
  const next = rng(spec.seed ?? 7);
  const std = spec.std ?? 0.3;
  const dims: Record<TinyTarget, [number, number]> = {
    q: [m.heads * m.headDim, m.hidden], k: [m.kvHeads * m.headDim, m.hidden], v: [m.kvHeads * m.headDim, m.hidden],
    o: [m.hidden, m.heads * m.headDim], gate: [m.intermediate, m.hidden], up: [m.intermediate, m.hidden], down: [m.hidden, m.intermediate],
  };
  const modules = [];
  for (let l = 0; l < m.layers; l++) {
    for (const t of spec.targets ?? (Object.keys(MODULES) as TinyTarget[])) {
      const [o, i] = dims[t];
      modules.push({
        module: `model.layers.${l}.${MODULES[t]}`, r, inFeatures: i, outFeatures: o,
        A: Float32Array.from({ length: r * i }, () => next() * std * 3.4),
        B: Float32Array.from({ length: o * r }, () => next() * std * 3.4),
      });
    }
  }
  await writePeftAdapter(out, { baseModel: baseDir, alpha: spec.alpha ?? 2 * r, useRslora: spec.rslora ?? false, modules });
  return out;
}
