// The export formats and quantizations (shared by the API contract, the CLI and the export job).
export const EXPORT_FORMATS = ['peft', 'merged', 'gguf', 'gguf-lora', 'ollama', 'onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_QUANTS = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_k_m', 'int4'] as const;
export type ExportQuant = (typeof EXPORT_QUANTS)[number];
