// The merged model as a stream of tensors: each base tensor is dequantized from its stored dtype (bf16/f16/f32, never
// NF4) and, where the adapter has a LoRA module, W + s·B·A is added in f32. One tensor is in memory at a time.
import { LatheError } from '../api/errors';
import { readCheckpointIndex, readTensorF32, type StTensorInfo } from '../models/safetensors';
import { loraDelta, type LoraModuleWeights, type PeftAdapter } from './peft-adapter';

export interface TensorSource {
  /** Base tensors by HF name, in checkpoint order. */
  tensors: Map<string, StTensorInfo>;
  /** The tensor as f32, with the LoRA delta merged in when the adapter targets it. */
  read(name: string): Promise<Float32Array>;
  /** HF weight names that receive a delta. */
  merged: Set<string>;
}

/**
 * Optional base-weight override: the base values of a tensor (e.g. dequantized NF4 from the engine, to merge into the
 * exact weights the adapter was trained on), or null to read the stored weights.
 */
export type BaseWeights = (name: string) => Promise<Float32Array | null>;

/** Checks the adapter against the base (every module exists with matching shapes) and returns the merged source. */
export async function mergedSource(baseDir: string, adapter: PeftAdapter | null, base?: BaseWeights): Promise<TensorSource> {
  const tensors = await readCheckpointIndex(baseDir);
  const byWeight = new Map<string, LoraModuleWeights>();
  for (const m of adapter?.modules ?? []) {
    const name = `${m.module}.weight`;
    const t = tensors.get(name);
    if (!t) {
      throw new LatheError('adapter_mismatch', `${adapter!.dir}: module ${m.module} has no weight ${name} in the base model ${baseDir}`, 'Export with the base model the adapter was trained on.');
    }
    if (t.shape.length !== 2 || t.shape[0] !== m.outFeatures || t.shape[1] !== m.inFeatures) {
      throw new LatheError('adapter_mismatch', `${adapter!.dir}: module ${m.module} is [${m.outFeatures}, ${m.inFeatures}] but the base weight is [${t.shape}]`, 'Export with the base model the adapter was trained on.');
    }
    byWeight.set(name, m);
  }
  for (const [name, t] of adapter?.tables ?? []) {
    const info = tensors.get(name);
    const want = name === 'lm_head.weight' && !info ? tensors.get('model.embed_tokens.weight') : info;  // tied head
    if (!want || want.shape.join() !== t.shape.join()) {
      throw new LatheError('adapter_mismatch', `${adapter!.dir}: the trained ${name} is [${t.shape}] but the base model's is [${want?.shape ?? 'absent'}]`, 'Export with the base model the adapter was trained on.');
    }
  }
  return {
    tensors,
    merged: new Set([...byWeight.keys(), ...[...(adapter?.tables.keys() ?? [])].filter((n) => tensors.has(n))]),
    async read(name: string) {
      const info = tensors.get(name);
      if (!info) throw new LatheError('tensor_missing', `${baseDir}: no tensor ${name}`);
      // A trained table (trainEmbeddings) replaces the base tensor outright. A tied model has no lm_head tensor: its
      // one trained table is the embedding.
      const trained = adapter?.tables.get(name);
      if (trained) return Float32Array.from(trained.data);
      const w = (base && (await base(name))) || (await readTensorF32(info));
      if (w.length !== info.shape.reduce((a, b) => a * b, 1)) throw new LatheError('tensor_size_mismatch', `${baseDir}: base override for ${name} has ${w.length} values, its shape is [${info.shape}]`);
      const m = byWeight.get(name);
      if (!m) return w;
      const d = loraDelta(m);
      for (let i = 0; i < w.length; i++) w[i] += d[i];
      return w;
    },
  };
}
