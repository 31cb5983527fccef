// The length policy by turns: truncate keeps the system prompt, the last question's header and the whole answer,
// removes the oldest turns first, drops (and lists) rows whose answer alone is too long; the Data preview and the
// training batch hold the same tokens under every policy.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyLengthPolicy, emptyPolicyCounts } from '../../../main/data/lengths';
import { previewExamples } from '../../../main/data/preview';
import { ExampleTokenizer } from '../../../main/data/tokenize';
import type { ChatMessage, Example } from '../../../main/data/types';
import { loadTrainingData } from '../../../main/host/trainer/training-data';
import { loadTokenizer, type LatheTokenizer } from '../../../main/models/tokenizer';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { tempDir } from '../../helpers/temp-dir';
import { testTokenizerDir, tinyModel } from '../../helpers/tiny-model';

const NAMES = ['llama3', 'qwen3'] as const;
const toks = {} as Record<(typeof NAMES)[number], LatheTokenizer>;
beforeAll(async () => {
  for (const n of NAMES) toks[n] = await loadTokenizer(await testTokenizerDir(n));
});

const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(' ');
/** system, four earlier exchanges, the last question and its answer. */
function conversation(question = 'what is the capital of France?', answer = 'Paris is the capital of France.'): ChatMessage[] {
  const earlier = [1, 2, 3, 4].flatMap((k) => [
    { role: 'user', content: `old question ${k}: ${words(12, `q${k}w`)}` },
    { role: 'assistant', content: `old answer ${k}: ${words(12, `a${k}w`)}` },
  ]);
  return [{ role: 'system', content: 'You are a terse geography tutor.' }, ...earlier, { role: 'user', content: question }, { role: 'assistant', content: answer }];
}
const chat = (messages: ChatMessage[], line = 1): Example => ({ line, kind: 'chat', messages });

describe.each(NAMES)('truncate by turns (%s template)', (name) => {
  const et = (maxLen: number | null) => new ExampleTokenizer({ tokenizer: toks[name], template: 'model', mask: 'assistant', maxLen, lengthPolicy: 'truncate' });
  const text = (ids: ArrayLike<number>) => toks[name].decode(Array.from(ids), { skipSpecialTokens: false });

  it('removes the oldest exchanges first and keeps the system prompt, the last question and the whole answer', () => {
    const messages = conversation();
    const full = et(null).tokenize(chat(messages)).seqs[0];
    // Room for the conversation without its two oldest exchanges, but not with them.
    const without2 = et(null).tokenize(chat([messages[0], ...messages.slice(5)])).seqs[0];
    const maxLen = without2.ids.length + 3;
    expect(full.ids.length).toBeGreaterThan(maxLen);
    const t = et(maxLen).tokenize(chat(messages));
    expect(t.lengthFit).toEqual({ kind: 'truncated', removedTurns: 4, cutChars: 0 });
    // Exactly the tokens (and mask) of the conversation rendered without those turns: the template's own markers.
    expect(Array.from(t.seqs[0].ids)).toEqual(Array.from(without2.ids));
    expect(Array.from(t.seqs[0].mask)).toEqual(Array.from(without2.mask));
    const s = text(t.seqs[0].ids);
    expect(s).toContain('terse geography tutor');
    expect(s).not.toContain('old question 1');
    expect(s).not.toContain('old question 2');
    expect(s).toContain('old question 3');
    expect(s).toContain('Paris is the capital of France.');
  });

  it('cuts the start of the last question only when every earlier turn is gone, never the answer or its end-of-turn token', () => {
    const question = `${words(200, 'ctx')} so: what is the capital of France?`;
    const messages = conversation(question);
    const bare = et(null).tokenize(chat([messages[0], { role: 'user', content: '' }, messages[messages.length - 1]])).seqs[0];
    const maxLen = bare.ids.length + 20;
    const t = et(maxLen).tokenize(chat(messages));
    expect(t.lengthFit?.kind).toBe('truncated');
    const fit = t.lengthFit as { removedTurns: number; cutChars: number };
    expect(fit.removedTurns).toBe(8);
    expect(fit.cutChars).toBeGreaterThan(0);
    expect(t.seqs[0].ids.length).toBeLessThanOrEqual(maxLen);
    // The smallest cut that fits: one character less does not.
    const less = et(null).tokenize(chat([messages[0], { role: 'user', content: question.slice(fit.cutChars - 1) }, messages[messages.length - 1]])).seqs[0];
    expect(less.ids.length).toBeGreaterThan(maxLen);
    const s = text(t.seqs[0].ids);
    expect(s).toContain('what is the capital of France?');
    expect(s).toContain('terse geography tutor');
    // The answer and its end-of-turn token are trained, whole.
    const trained = text(Array.from(t.seqs[0].ids).filter((_, i) => t.seqs[0].mask[i]));
    expect(trained).toContain('Paris is the capital of France.');
    expect(toks[name].stopIds).toContain(t.seqs[0].ids[Array.from(t.seqs[0].mask).lastIndexOf(1)]);
  });

  it('leaves out, and lists, a row whose answer alone does not fit', () => {
    const messages = conversation('short?', words(300, 'long'));
    const t = et(64).tokenize(chat(messages, 7));
    expect(t.lengthFit?.kind).toBe('dropped');
    const counts = emptyPolicyCounts();
    expect(applyLengthPolicy(t, 64, 'truncate', toks[name].bosId, counts)).toEqual([]);
    expect(counts.dropped).toBe(1);
    expect(counts.tooLong).toHaveLength(1);
    expect(counts.tooLong[0].line).toBe(7);
    expect(counts.tooLong[0].reason).toMatch(/over the limit of 64.*left out rather than cutting the answer/);
  });

  it('shortens a preference prompt the same way for both answers', () => {
    const messages = conversation().slice(0, -1);
    const ex: Example = { line: 1, kind: 'preference', messages, chosen: [{ role: 'assistant', content: 'Paris.' }], rejected: [{ role: 'assistant', content: 'Lyon, I think.' }] };
    const whole = et(null).tokenize(ex).seqs.map((s) => s.ids.length);
    const maxLen = Math.max(...whole) - 20;
    const t = et(maxLen).tokenize(ex);
    expect(t.lengthFit?.kind).toBe('truncated');
    expect(t.seqs).toHaveLength(2);
    for (const s of t.seqs) expect(s.ids.length).toBeLessThanOrEqual(maxLen);
    expect(text(t.seqs[0].ids)).toContain('Paris.');
    expect(text(t.seqs[1].ids)).toContain('Lyon, I think.');
  });
});

describe('the Data preview and the training batch agree under every length policy', () => {
  const root = tempDir('lathe-length-policy-');
  it.each(['truncate', 'drop', 'split'] as const)('%s', async (policy) => {
    const model = await tinyModel({ arch: 'llama' });
    const tokenizer = await loadTokenizer(model);
    const file = join(root, `long-${policy}.jsonl`);
    const rows = [
      { messages: conversation() },
      { messages: conversation(`${words(120, 'ctx')} so: what is the capital of France?`) },
      { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello there' }] },
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const seqLen = 96;
    const config = resolveTrainingConfig({ model, dataset: file, seqLen, lengthPolicy: policy, validationFraction: 0, microBatch: 1, gradAccum: 1 });
    const log: string[] = [];
    const data = await loadTrainingData(config, '', (m) => log.push(m));
    const examples: Example[] = rows.map((r, i) => ({ line: i + 1, kind: 'chat', messages: r.messages }));
    const preview = previewExamples(examples, { tokenizer, template: 'model', mask: 'assistant', maxLen: seqLen, lengthPolicy: policy });
    const previewed = preview.flatMap((p) => p.seqs.filter((s) => s.tokens.length).map((s) => s.tokens));
    expect(data.train.map((x) => Array.from(x.ids))).toEqual(previewed.map((ts) => ts.map((t) => t.id)));
    expect(data.train.map((x) => Array.from(x.weights))).toEqual(previewed.map((ts) => ts.map((t) => (t.trained ? 1 : 0))));
    for (const x of data.train) expect(x.ids.length).toBeLessThanOrEqual(seqLen);
    expect(log.join('\n')).toContain(`length policy ${policy} at ${seqLen} tokens`);
    if (policy === 'drop') expect(preview[0].seqs[0].label).toMatch(/^left out/);
    if (policy === 'split') expect(preview[0].seqs.length).toBeGreaterThan(1);
    if (policy === 'truncate') expect(preview[0].seqs[0].label).toContain('shortened to fit 96 tokens');
  });
});
