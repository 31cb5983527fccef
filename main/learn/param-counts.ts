// Exact parameter counts for the Learn page's "full vs LoRA vs QLoRA" section, from a model's config alone: the shape
// of every LoRA-targetable module, and how many weights each approach trains.
import type { ModelSummary } from '../models/model-dir';
import type { ModuleShape } from '../api/learn-types';

/** The decoder's dimensions, as the model's config summary gives them. */
export type DecoderShape = Pick<ModelSummary, 'hidden' | 'intermediate' | 'layers' | 'heads' | 'kvHeads' | 'headDim'>;

export const MODULES: ModuleShape['module'][] = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];

/** in/out features of each linear module of one decoder layer (every layer has the same shapes). */
export function moduleShapes(s: DecoderShape): ModuleShape[] {
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  return [
    { module: 'q', in: s.hidden, out: q },
    { module: 'k', in: s.hidden, out: kv },
    { module: 'v', in: s.hidden, out: kv },
    { module: 'o', in: q, out: s.hidden },
    { module: 'gate', in: s.hidden, out: s.intermediate },
    { module: 'up', in: s.hidden, out: s.intermediate },
    { module: 'down', in: s.intermediate, out: s.hidden },
  ];
}

/** LoRA adds A (r x in) and B (out x r) to each targeted module of every layer: r * (in + out) each. */
export function loraParameterCount(s: DecoderShape, r: number, targets: readonly ModuleShape['module'][]): number {
  const per = moduleShapes(s).filter((m) => targets.includes(m.module)).reduce((sum, m) => sum + r * (m.in + m.out), 0);
  return per * s.layers;
}
