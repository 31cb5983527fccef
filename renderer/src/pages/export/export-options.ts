// What the Export step offers: targets with their labels and default quantization, and the size text.
import type { MethodInput } from '../../../../main/api/contract';

type StartArgs = MethodInput<'exports.start'>;
export type Format = StartArgs['format'];
export type Quant = NonNullable<StartArgs['quant']>;

export const TARGETS: { format: Format; label: string; text: string }[] = [
  { format: 'gguf', label: 'GGUF (llama.cpp, LM Studio)', text: 'The merged model in one file.' },
  { format: 'ollama', label: 'Ollama', text: 'GGUF + Modelfile with the chat template and stop tokens.' },
  { format: 'peft', label: 'PEFT adapter', text: 'adapter_model.safetensors + adapter_config.json + model card.' },
  { format: 'merged', label: 'Merged Hugging Face folder', text: 'safetensors shards, config and tokenizer.' },
  { format: 'gguf-lora', label: 'GGUF LoRA adapter', text: 'llama.cpp --lora file, with its base GGUF beside it.' },
  { format: 'onnx', label: 'ONNX Runtime', text: 'int4 MatMulNBits decoder with a KV cache.' },
];

export const GGUF_QUANTS: { quant: Quant; label: string }[] = [
  { quant: 'q4_k_m', label: 'Q4_K_M (smallest, good quality)' },
  { quant: 'q8_0', label: 'Q8_0 (near lossless)' },
  { quant: 'q4_0', label: 'Q4_0' },
  { quant: 'f16', label: 'F16 (exact)' },
];

export const MERGED_DTYPES: { quant: Quant; label: string }[] = [
  { quant: 'f16', label: 'float16' },
  { quant: 'bf16', label: 'bfloat16' },
  { quant: 'f32', label: 'float32' },
];

/** The quantization a target uses: GGUF-based targets take the GGUF choice, the merged folder its dtype, PEFT none. */
export function quantFor(format: Format, gguf: Quant, merged: Quant): Quant | undefined {
  if (format === 'peft') return undefined;
  if (format === 'merged') return merged;
  if (format === 'gguf-lora') return 'f16';
  if (format === 'onnx') return 'int4';
  return gguf;
}

export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}
