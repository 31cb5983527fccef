// `ollama` export: a folder with the GGUF (merged, or base + adapter GGUF) and a Modelfile whose TEMPLATE is the Go
// template equivalent of the model's Jinja chat template, with a stop parameter for every end-of-turn token.
import { join } from 'node:path';
import { LatheError } from '../api/errors';
import { loadTokenizer } from '../models/tokenizer';
import { writeFileAtomic } from '../fs/atomic-file';
import { exportGguf, type GgufOutType } from './gguf-model';
import { exportGgufLora } from './gguf-lora';
import { mergedSource, type BaseWeights } from './merge-source';
import { writeFolderAtomic } from './output-target';
import type { PeftAdapter } from './peft-adapter';

export type ChatFamily = 'llama3' | 'chatml' | 'llama2' | 'mistral' | 'alpaca';

/**
 * Go templates over Ollama's .Messages (Role, Content); each renders what the family's Jinja template renders for
 * the same conversation with add_generation_prompt, minus a leading BOS (llama.cpp adds that when tokenizing).
 * `eos` is the model's end-of-sequence token text, which some families write after each answer.
 */
export function goTemplate(family: ChatFamily, eos: string): string {
  switch (family) {
    case 'llama3':
      return '{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n';
    case 'chatml':
      return '{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n';
    case 'llama2':
      // Meta's Llama 2 chat: the system prompt is folded into the first user turn; later turns open with BOS again.
      return (
        '{{- $sys := "" }}{{- range .Messages }}{{- if eq .Role "system" }}{{ $sys = .Content }}{{- end }}{{- end }}' +
        '{{- $first := true }}{{- range .Messages }}{{- if eq .Role "user" }}{{- if not $first }}<s>{{- end }}[INST] {{ if and $first $sys }}<<SYS>>\n{{ $sys }}\n<</SYS>>\n\n{{ end }}{{ .Content }} [/INST]{{ $first = false }}' +
        `{{- else if eq .Role "assistant" }} {{ .Content }} ${eos}{{- end }}{{- end }}`
      );
    case 'mistral':
      return `{{- range .Messages }}{{- if eq .Role "user" }}[INST] {{ .Content }} [/INST]{{- else if eq .Role "assistant" }}{{ .Content }}${eos}{{- end }}{{- end }}`;
    case 'alpaca':
      // No "{{-" after the blank lines: it would trim them away.
      return (
        '{{- range .Messages }}{{ if eq .Role "system" }}{{ .Content }}\n\n{{ else if eq .Role "user" }}### Instruction:\n{{ .Content }}\n\n' +
        `{{ else if eq .Role "assistant" }}### Response:\n{{ .Content }}${eos}\n\n{{ end }}{{ end }}### Response:\n`
      );
  }
}

/** Recognises the family of a Jinja chat template by its markers. */
export function chatFamily(template: string | null): ChatFamily | null {
  if (!template) return null;
  if (template.includes('<|start_header_id|>')) return 'llama3';
  if (template.includes('<|im_start|>')) return 'chatml';
  if (template.includes('<<SYS>>')) return 'llama2';
  if (template.includes('[INST]')) return 'mistral';
  if (template.includes('### Instruction')) return 'alpaca';
  return null;
}

const goString = (s: string) => JSON.stringify(s);

export function modelfile(opts: { from: string; adapter?: string; template: string; stops: string[]; system?: string | null }): string {
  const lines = [`FROM ${opts.from}`];
  if (opts.adapter) lines.push(`ADAPTER ${opts.adapter}`);
  lines.push(`TEMPLATE """${opts.template}"""`);
  for (const s of opts.stops) lines.push(`PARAMETER stop ${goString(s)}`);
  if (opts.system) lines.push(`SYSTEM """${opts.system.replace(/"""/g, '\\"\\"\\"')}"""`);
  return lines.join('\n') + '\n';
}

export interface OllamaOptions {
  quant?: GgufOutType;
  /** Base GGUF + adapter GGUF (ADAPTER line) instead of one merged GGUF. */
  separateAdapter?: boolean;
  system?: string | null;
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
  baseWeights?: BaseWeights;
}

export async function writeOllamaFolder(baseDir: string, adapter: PeftAdapter | null, out: string, opts: OllamaOptions = {}): Promise<string[]> {
  const tok = await loadTokenizer(baseDir);
  const family = chatFamily(tok.chatTemplate);
  if (!family) {
    throw new LatheError('ollama_template', `${baseDir}: the chat template is not one Lathe can translate to an Ollama TEMPLATE`, 'Supported families: Llama 2/3, Mistral, Qwen2/3 and ChatML, Alpaca. Export --format gguf and write the Modelfile by hand.');
  }
  const stops = [...new Set(tok.stopIds.map((id) => tok.idToToken(id)).filter((s): s is string => !!s))];
  const eos = tok.eosId !== null ? (tok.idToToken(tok.eosId) ?? '') : '';
  const template = goTemplate(family, eos);
  return writeFolderAtomic(out, opts.force ?? false, async (tmp) => {
    const files: string[] = [];
    let mf: string;
    if (adapter && opts.separateAdapter) {
      await exportGguf(baseDir, join(tmp, 'base.gguf'), { outType: opts.quant ?? 'f16', onProgress: opts.onProgress });
      await exportGgufLora(baseDir, adapter, join(tmp, 'adapter.gguf'));
      files.push('base.gguf', 'adapter.gguf');
      mf = modelfile({ from: './base.gguf', adapter: './adapter.gguf', template, stops, system: opts.system });
    } else {
      const src = await mergedSource(baseDir, adapter, opts.baseWeights);
      await exportGguf(baseDir, join(tmp, 'model.gguf'), { outType: opts.quant ?? 'q8_0', read: (info) => src.read(info.name), onProgress: opts.onProgress });
      files.push('model.gguf');
      mf = modelfile({ from: './model.gguf', template, stops, system: opts.system });
    }
    await writeFileAtomic(join(tmp, 'Modelfile'), async (w) => w.write(Buffer.from(mf)));
    files.push('Modelfile');
    return files.map((f) => join(out, f));
  });
}
