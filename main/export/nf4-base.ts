// The alternative merge base (engine: CLI / engine host only): the linear weights as the engine dequantizes them from
// NF4 (or int8), i.e. exactly the weights the adapter was trained against. Other tensors keep their stored values.
import type { EngineModel, LoraTarget } from '../engine/engine';
import type { BaseWeights } from './merge-source';

const MODULES: Record<string, LoraTarget> = {
  'self_attn.q_proj': 'q', 'self_attn.k_proj': 'k', 'self_attn.v_proj': 'v', 'self_attn.o_proj': 'o',
  'mlp.gate_proj': 'gate', 'mlp.up_proj': 'up', 'mlp.down_proj': 'down',
};

export function quantizedBaseWeights(model: EngineModel): BaseWeights {
  return async (name) => {
    const m = /^model\.layers\.(\d+)\.(self_attn\.[qkvo]_proj|mlp\.(?:gate|up|down)_proj)\.weight$/.exec(name);
    return m ? model.dequantizedWeight(Number(m[1]), MODULES[m[2]]) : null;
  };
}
