// Size of an export before it starts, from config.json and the safetensors headers only (nothing is read or merged).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readModelDir } from '../models/model-dir';
import { readCheckpointIndex, readSafetensorsHeader } from '../models/safetensors';
import { GGML_BLOCK, type GgmlTypeName } from './ggml-quants';
import type { ExportFormat, ExportQuant } from './export-job';
import { ggufTensorName, q4kmType } from './gguf-model';

const GGML_OF: Record<string, GgmlTypeName> = { f32: 'F32', f16: 'F16', bf16: 'BF16', q8_0: 'Q8_0', q4_0: 'Q4_0', q4_k_m: 'Q4_K' };

async function ggufBytes(baseDir: string, quant: ExportQuant): Promise<number> {
  const m = await readModelDir(baseDir);
  let bytes = 0;
  for (const [hf, info] of await readCheckpointIndex(baseDir)) {
    const name = ggufTensorName(hf);
    if (!name || (m.tied && name === 'output.weight')) continue;
    const ne = [...info.shape].reverse();
    let type: GgmlTypeName = ne.length === 1 ? 'F32' : quant === 'q4_k_m' ? q4kmType(name, ne, m.layers, m.tied) : GGML_OF[quant];
    if (ne[0] % GGML_BLOCK[type].elems !== 0) type = 'F16';
    const n = ne.reduce((a, b) => a * b, 1);
    bytes += (n / GGML_BLOCK[type].elems) * GGML_BLOCK[type].bytes;
  }
  // Tokenizer metadata is about the size of tokenizer.json.
  const tj = join(baseDir, 'tokenizer.json');
  return bytes + (existsSync(tj) ? statSync(tj).size : 0);
}

async function adapterBytes(adapterDir: string | null): Promise<number> {
  if (!adapterDir) return 0;
  const h = await readSafetensorsHeader(join(adapterDir, 'adapter_model.safetensors'));
  return h.fileSize;
}

/** Estimated bytes written for `format` (within a few percent: headers and metadata are approximated). */
export async function estimateExportBytes(baseDir: string, adapterDir: string | null, format: ExportFormat, quant?: ExportQuant): Promise<number> {
  switch (format) {
    case 'peft':
      return adapterBytes(adapterDir);
    case 'merged': {
      const m = await readModelDir(baseDir);
      return m.parameterCount * (quant === 'f32' ? 4 : 2);
    }
    case 'gguf':
      return ggufBytes(baseDir, quant ?? 'f16');
    case 'gguf-lora':
      // The adapter in f16 (half its f32 size) plus the base GGUF written beside it.
      return (await adapterBytes(adapterDir)) / 2 + (await ggufBytes(baseDir, quant ?? 'f16'));
    case 'ollama':
      return ggufBytes(baseDir, quant ?? 'q8_0');
    case 'onnx': {
      // int4: 0.5 byte + a 4-byte scale per 32 weights for the linear layers; embeddings and head stay f32.
      const m = await readModelDir(baseDir);
      const linear = m.layers * (m.hidden * m.headDim * (2 * m.heads + 2 * m.kvHeads) + 3 * m.hidden * m.intermediate);
      const rest = m.parameterCount - linear + (m.tied ? m.vocab * m.hidden : 0);
      return (quant === 'f32' ? linear * 4 : linear * (0.5 + 4 / 32)) + rest * 4;
    }
  }
}
