// Named built-in templates (llama-2, llama-3, mistral, gemma, phi-3) render exactly as Python jinja2 renders their sources, and train each answer with its end marker.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { NAMED_TEMPLATE_NAMES, NAMED_TEMPLATES, type NamedTemplate } from '../../../main/data/named-templates';
import { Renderer, TEMPLATE_NAMES } from '../../../main/data/render';
import type { ChatMessage } from '../../../main/data/types';
import { ChatTemplate } from '../../../main/models/chat-template';
import { loadTokenizer, type LatheTokenizer } from '../../../main/models/tokenizer';

interface NamedCase { template: NamedTemplate; tokenizerDir: string; case: string; messages: ChatMessage[]; addGenerationPrompt: boolean; end: string[]; expected?: string; error?: string }
const golden = JSON.parse(readFileSync(join(process.cwd(), 'test/fixtures/templates/golden.json'), 'utf8')) as { named: NamedCase[] };
const toks = new Map<string, LatheTokenizer>();
beforeAll(async () => {
  for (const c of golden.named) if (!toks.has(c.tokenizerDir)) toks.set(c.tokenizerDir, await loadTokenizer(join(process.cwd(), c.tokenizerDir)));
});

describe('named templates', () => {
  it('every named template is offered and has golden renders', () => {
    for (const n of NAMED_TEMPLATE_NAMES) {
      expect(TEMPLATE_NAMES).toContain(n);
      expect(golden.named.filter((c) => c.template === n && c.expected !== undefined).length, n).toBeGreaterThanOrEqual(10);
      expect(golden.named.find((c) => c.template === n)!.end).toEqual(NAMED_TEMPLATES[n].end);
    }
  });

  for (const c of golden.named) {
    it(`${c.template} / ${c.case} / generation prompt ${c.addGenerationPrompt}`, () => {
      const tok = toks.get(c.tokenizerDir)!;
      const renderer = new Renderer({ tokenizer: tok, template: c.template, mask: 'assistant' });
      if (c.error !== undefined) {
        expect(() => renderer.chat(c.messages)).toThrow(c.error);
        return;
      }
      if (c.addGenerationPrompt) {
        // The generation prompt is not part of training rows: check the source itself with the tokenizer's special tokens.
        const t = new ChatTemplate(NAMED_TEMPLATES[c.template].source, c.template);
        expect(t.render(c.messages, tok.specialTokenVars ?? {}, { addGenerationPrompt: true })).toBe(c.expected);
        return;
      }
      const r = renderer.chat(c.messages);
      expect(r.text).toBe(c.expected);
      const answers = c.messages.filter((m) => m.role === 'assistant');
      const trained = r.spans.map(([a, b]) => r.text.slice(a, b));
      // An answer at the very end still counts when it ends with the template's marker (phi-3 adds EOS after it).
      expect(trained.length, c.case).toBe(answers.length);
      trained.forEach((t, k) => {
        const end = c.end.find((e) => t.endsWith(e));
        expect(end, `${c.case} turn ${k}: ${JSON.stringify(t)}`).toBeDefined();
        expect(t.slice(0, -end!.length).trim()).toBe(answers[k].content.trim());
      });
    });
  }
});
