// LoRA trainable counts from a config, checked by hand on SmolLM2-135M's shape (hidden 576, 9 heads / 3 KV heads of
// 64, MLP 1536, 30 layers): r * (in + out) per targeted module, times the layers.
import { describe, expect, it } from 'vitest';
import { MODULES, loraParameterCount, moduleShapes } from '../../../main/learn/param-counts';

const SMOL = { hidden: 576, intermediate: 1536, layers: 30, heads: 9, kvHeads: 3, headDim: 64 };

describe('learn parameter counts', () => {
  it('draws every module with its real in/out features', () => {
    expect(moduleShapes(SMOL)).toEqual([
      { module: 'q', in: 576, out: 576 },
      { module: 'k', in: 576, out: 192 },
      { module: 'v', in: 576, out: 192 },
      { module: 'o', in: 576, out: 576 },
      { module: 'gate', in: 576, out: 1536 },
      { module: 'up', in: 576, out: 1536 },
      { module: 'down', in: 1536, out: 576 },
    ]);
  });

  it('counts r * (in + out) per targeted module and layer', () => {
    // q 8*1152 + k 8*768 + v 8*768 + o 8*1152 + gate/up/down 3 * 8*2112 = 81,408 per layer.
    expect(loraParameterCount(SMOL, 8, MODULES)).toBe(81_408 * 30);
    expect(loraParameterCount(SMOL, 16, ['q', 'v'])).toBe(16 * (1152 + 768) * 30);
    expect(loraParameterCount(SMOL, 8, [])).toBe(0);
  });
});
