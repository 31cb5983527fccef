// Preference rows in the Hugging Face implicit-prompt shape (chosen/rejected as whole conversations sharing the prompt):
// detected, split into prompt and answers, bad rows listed with line, field and reason; the scored tokens of each side.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../../main/data/pipeline';
import type { TokenizedExample } from '../../../main/data/tokenize';
import type { Example } from '../../../main/data/types';
import { emptyReport, validateDataset, validateFile } from '../../../main/data/validate';
import { tempDir } from '../../helpers/temp-dir';

const dir = tempDir();
const u = (content: string) => ({ role: 'user', content });
const a = (content: string) => ({ role: 'assistant', content });
const rows = [
  { chosen: [u('What is 2+2?'), a('4')], rejected: [u('What is 2+2?'), a('5')] },
  { chosen: [{ role: 'system', content: 'Be brief.' }, u('Hi'), a('Hello.'), u('Name a colour.'), a('Blue.')], rejected: [{ role: 'system', content: 'Be brief.' }, u('Hi'), a('Hello.'), u('Name a colour.'), a('Well, there are many colours, for example blue.')] },
  { chosen: [u('Q1'), a('x')], rejected: [u('Q2'), a('y')] },
  { chosen: [u('Q'), a('same')], rejected: [u('Q'), a('same')] },
  { chosen: [u('Q'), a('ok')], rejected: [u('Q')] },
];
const file = join(dir, 'implicit.jsonl');
writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

describe('implicit-prompt preference rows', () => {
  it('are detected as preference data and split into the shared prompt and the two answers', async () => {
    const out: Example[] = [];
    const report = emptyReport('implicit.jsonl', 'jsonl');
    for await (const e of validateDataset(file, {}, report)) out.push(e);
    expect(report.format).toBe('preference');
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ kind: 'preference', messages: [u('What is 2+2?')], chosen: [a('4')], rejected: [a('5')] });
    expect(out[1].messages).toHaveLength(4);
    expect(out[1].chosen).toEqual([a('Blue.')]);
  });

  it('lists the rows that cannot be paired, with line, field and reason', async () => {
    const r = await validateFile(file);
    expect(r.invalid.map((i) => [i.line, i.field, i.code])).toEqual([
      [3, 'chosen[0]', 'missing_field'],
      [4, 'rejected', 'identical_pair'],
      [5, 'rejected', 'identical_pair'],
    ]);
    expect(r.invalid[0].reason).toMatch(/do not start with the same messages/);
  });

  it('scores only the answer tokens of each side (the preview of what DPO compares)', async () => {
    const { loadTokenizer } = await import('../../../main/models/tokenizer');
    const { ensureDemoBaseModel } = await import('../../../main/runs/demo-model');
    const tokenizer = await loadTokenizer(await ensureDemoBaseModel(join(dir, 'models')));
    const seen: TokenizedExample[] = [];
    await runPipeline(file, { tokenize: { tokenizer, template: 'chatml', mask: 'assistant', workers: 0 }, onTokenized: (t) => { seen.push(t); } });
    const [chosen, rejected] = seen[0].seqs;
    const scored = (s: typeof chosen) => tokenizer.decode([...s.ids].filter((_, i) => s.mask[i] === 1), { skipSpecialTokens: true }).trim();
    // The answer and its end-of-turn marker are scored; the shared prompt is not.
    expect(scored(chosen)).toBe('4<|im_end|>');
    expect(scored(rejected)).toBe('5<|im_end|>');
  });
});
