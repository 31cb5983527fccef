// Ollama Modelfile: each family's Go TEMPLATE, rendered by an independent Go-template evaluator, equals the Jinja
// rendering of the same conversations byte for byte; the exported folder holds the GGUF and a complete Modelfile.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chatFamily, goTemplate, writeOllamaFolder, type ChatFamily } from '../../../main/export/ollama';
import { readPeftAdapter } from '../../../main/export/peft-adapter';
import { readGguf } from '../../../main/export/gguf-reader';
import { ChatTemplate, type ChatMessage } from '../../../main/models/chat-template';
import { DEMO_CHAT_TEMPLATE } from '../../../main/runs/demo-model';
import { renderGoTemplate } from '../../helpers/go-template';
import { writeTinyAdapter } from '../../helpers/tiny-adapter';
import { tempDir } from '../../helpers/temp-dir';
import { lenmlTokenizerDir, syntheticTokenizerDir, tinyModel } from '../../helpers/tiny-model';

const tmp = tempDir('lathe-ollama-');
const cfgTemplate = async (dir: string) => JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8')).chat_template as string;
const MISTRAL_V01 =
  "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

const CONVERSATIONS: ChatMessage[][] = [
  [{ role: 'user', content: 'Hello there!' }],
  [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'What is 2+2?' }],
  [{ role: 'user', content: 'Name a colour.' }, { role: 'assistant', content: 'Blue.' }, { role: 'user', content: 'Another, "quoted" {{ and }} braces.' }],
  [{ role: 'system', content: 'Line one\nline two.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello! How can I help?' }, { role: 'user', content: 'Tell me a joke.' }],
];

const CASES: { family: ChatFamily; label: string; source: () => Promise<string>; bos: string; eos: string; system: boolean }[] = [
  { family: 'llama3', label: 'Llama 3 (real tokenizer_config)', source: () => cfgTemplate(lenmlTokenizerDir('llama3')), bos: '<|begin_of_text|>', eos: '<|eot_id|>', system: true },
  { family: 'chatml', label: 'Qwen3 (real tokenizer_config)', source: () => cfgTemplate(lenmlTokenizerDir('qwen3')), bos: '', eos: '<|im_end|>', system: true },
  { family: 'chatml', label: 'ChatML (Lathe synthetic tokenizer)', source: async () => cfgTemplate(await syntheticTokenizerDir()), bos: '', eos: '<|im_end|>', system: true },
  { family: 'llama2', label: 'Llama 2 chat (Meta template)', source: () => readFile(join('test', 'fixtures', 'templates', 'llama2-chat.jinja'), 'utf8'), bos: '<s>', eos: '</s>', system: true },
  { family: 'mistral', label: 'Mistral v0.1', source: async () => MISTRAL_V01, bos: '<s>', eos: '</s>', system: false },
  { family: 'alpaca', label: 'Alpaca-style (Lathe demo model)', source: async () => DEMO_CHAT_TEMPLATE, bos: '<s>', eos: '</s>', system: true },
];

describe.each(CASES)('$label', ({ family, source, bos, eos, system }) => {
  it('is recognised, and its Go TEMPLATE renders every conversation exactly as the Jinja template does', async () => {
    const src = await source();
    expect(chatFamily(src)).toBe(family);
    const jinja = new ChatTemplate(src, family);
    const go = goTemplate(family, eos);
    let compared = 0;
    for (const messages of CONVERSATIONS) {
      if (!system && messages.some((m) => m.role === 'system')) continue;
      let want = jinja.render(messages, { bos_token: bos, eos_token: eos }, { addGenerationPrompt: true });
      // llama.cpp adds BOS when it tokenizes the prompt, so the TEMPLATE leaves it out.
      if (bos && want.startsWith(bos)) want = want.slice(bos.length);
      // Ollama hands the template api.Message values: fields Role and Content.
      const got = renderGoTemplate(go, { Messages: messages.map((m) => ({ Role: m.role, Content: m.content })) });
      expect(got).toBe(want);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(2);
  });
});

describe('Go-template evaluator', () => {
  it('is strict enough that a wrong template fails', () => {
    const msgs = CONVERSATIONS[1].map((m) => ({ Role: m.role, Content: m.content }));
    expect(renderGoTemplate(goTemplate('chatml', ''), { Messages: msgs })).not.toBe(renderGoTemplate(goTemplate('llama3', ''), { Messages: msgs }));
    expect(renderGoTemplate('{{- if eq .A "x" }}1{{- else if .B }}2{{ else }}3{{ end -}}  !', { A: 'y', B: '' })).toBe('3!');
  });
});

describe('ollama folder', () => {
  it('writes model.gguf and a Modelfile with FROM, TEMPLATE, a stop per end-of-turn token and the system prompt', async () => {
    const base = await tinyModel({ arch: 'qwen2', tokenizer: 'synthetic', tied: true });
    const adapter = await readPeftAdapter(await writeTinyAdapter(base, join(tmp, 'a')));
    const out = join(tmp, 'ollama');
    const files = await writeOllamaFolder(base, adapter, out, { quant: 'q8_0', system: 'Be brief.' });
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(['model.gguf', 'Modelfile']);
    const mf = await readFile(join(out, 'Modelfile'), 'utf8');
    expect(mf.startsWith('FROM ./model.gguf\n')).toBe(true);
    expect(mf).toContain(`TEMPLATE """${goTemplate('chatml', '<|im_end|>')}"""`);
    expect(mf).toContain('PARAMETER stop "<|im_end|>"');
    expect(mf).toContain('SYSTEM """Be brief."""');
    expect((await readGguf(join(out, 'model.gguf'))).tensors.find((t) => t.name === 'blk.0.attn_q.weight')?.type).toBe('Q8_0');
    const sep = join(tmp, 'ollama-sep');
    await writeOllamaFolder(base, adapter, sep, { separateAdapter: true });
    expect(await readFile(join(sep, 'Modelfile'), 'utf8')).toMatch(/^FROM \.\/base\.gguf\nADAPTER \.\/adapter\.gguf\n/);
  });
});
