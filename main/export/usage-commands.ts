// Copyable commands for an export's consumers (Ollama, llama.cpp, PEFT), shown by the CLI and the Export step.
import { basename, join } from 'node:path';
import type { ExportFormat } from './export-job';

const q = (s: string) => (/^[\w./:@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function usageCommands(format: ExportFormat, out: string, opts: { baseModel?: string; name?: string } = {}): { label: string; command: string }[] {
  const name = (opts.name ?? basename(out).replace(/\.gguf$/i, '')).toLowerCase().replace(/[^a-z0-9._-]+/g, '-') || 'lathe-model';
  switch (format) {
    case 'ollama':
      return [
        { label: 'Create the Ollama model', command: `ollama create ${name} -f ${q(join(out, 'Modelfile'))}` },
        { label: 'Chat with it', command: `ollama run ${name}` },
      ];
    case 'gguf':
      return [{ label: 'Run with llama.cpp', command: `llama-cli -m ${q(out)} -cnv` }];
    case 'gguf-lora':
      return [{ label: 'Run the base with the adapter in llama.cpp', command: `llama-cli -m ${q(out.replace(/(\.gguf)?$/i, '.base.gguf'))} --lora ${q(out)} -cnv` }];
    case 'onnx':
      return [{ label: 'Load with ONNX Runtime (Node)', command: `await ort.InferenceSession.create(${JSON.stringify(join(out, 'model.onnx'))})` }];
    case 'merged':
      return [{ label: 'Load with transformers (Python)', command: `AutoModelForCausalLM.from_pretrained(${JSON.stringify(out)})` }];
    case 'peft':
      return [
        {
          label: 'Load with PEFT (Python)',
          command: `PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(${JSON.stringify(opts.baseModel ?? 'BASE_MODEL')}), ${JSON.stringify(out)})`,
        },
      ];
  }
}
