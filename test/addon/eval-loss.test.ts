// Loss eval in the engine on a tiny model: perplexity is exp of the mean NLL of `lathe score`'s log-probs over the same
// supervised tokens; with an adapter, the base side equals the base model scored alone (adapter switched off).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ALL_LORA_TARGETS, openEngine } from '../../main/engine/engine';
import { runPipeline } from '../../main/data/pipeline';
import { loadTokenizer } from '../../main/models/tokenizer';
import { runEval } from '../../main/host/eval/run-eval';
import type { LossRow } from '../../main/api/eval-types';
import { tempDir } from '../helpers/temp-dir';
import { tinyModel } from '../helpers/tiny-model';
import { loraOf } from '../helpers/engine-options';

const root = tempDir('lathe-evalloss-');
let model: string;
let adapter: string;
const data = join(root, 'chat.jsonl');

beforeAll(async () => {
  model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 128, seed: 21 });
  const rows = [
    { messages: [{ role: 'user', content: 'Name a colour.' }, { role: 'assistant', content: 'Blue.' }] },
    { messages: [{ role: 'user', content: 'Count to three.' }, { role: 'assistant', content: 'One, two, three.' }] },
    { messages: [{ role: 'user', content: 'Say hello' }, { role: 'assistant', content: 'Hello there, friend!' }] },
  ];
  writeFileSync(data, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  // A non-trivial adapter (B != 0), saved in PEFT format.
  const m = await openEngine({ threads: 1 }).loadModel(model, { maxSeqLen: 64, lora: loraOf({ r: 4, alpha: 8, targets: ALL_LORA_TARGETS, seed: 2 }) });
  let s = 7;
  for (let l = 0; l < 2; l++) {
    for (const mod of ALL_LORA_TARGETS) {
      const b = m.loraTensor(l, mod, 'B');
      for (let i = 0; i < b.length; i++) b[i] = (((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1) * 0.3;
      m.setLoraTensor(l, mod, 'B', b);
    }
  }
  adapter = join(root, 'adapter');
  mkdirSync(adapter);
  await m.saveAdapter(adapter);
  await m.close();
}, 120_000);

describe('loss eval', () => {
  test("perplexity = exp(mean NLL) of lathe score's log-probs over the supervised tokens", async () => {
    const tok = await loadTokenizer(model);
    const seqs: { ids: number[]; mask: number[] }[] = [];
    await runPipeline(data, { tokenize: { tokenizer: tok, mask: 'assistant' }, onTokenized: (t) => void seqs.push({ ids: [...t.seqs[0].ids], mask: [...t.seqs[0].mask] }) });
    let nll = 0;
    let n = 0;
    for (const s of seqs) {
      const r = spawnSync(process.execPath, ['bin/lathe.js', 'score', '--model', model, '--ids', s.ids.join(','), '--threads', '1', '--json'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const { logprobs } = JSON.parse(r.stdout) as { logprobs: number[] };
      for (let i = 1; i < s.ids.length; i++) if (s.mask[i]) { nll -= logprobs[i - 1]; n++; }
    }
    const res = await runEval({ model, threads: 1, source: { kind: 'data', path: data } });
    expect(res.base).toBeUndefined();
    expect(res.adapter.tokens).toBe(n);
    expect(res.adapter.loss!).toBeCloseTo(nll / n, 4);
    expect(res.adapter.ppl!).toBeCloseTo(Math.exp(nll / n), 2);
    expect(res.rows).toHaveLength(3);
    expect((res.rows as LossRow[]).map((r) => r.line)).toEqual([1, 2, 3]);
  }, 60_000);

  test('with an adapter: the base side equals the base alone, the adapter side differs; raw text scores every token', async () => {
    const alone = await runEval({ model, threads: 1, source: { kind: 'data', path: data } });
    const both = await runEval({ model, adapter, threads: 1, source: { kind: 'data', path: data } });
    expect(both.base!.loss!).toBeCloseTo(alone.adapter.loss!, 5);
    expect(both.adapter.loss).not.toBeCloseTo(both.base!.loss!, 3);
    expect((both.rows as LossRow[]).every((r) => r.baseLoss !== undefined)).toBe(true);
    expect(both.worst!.length).toBe(3);

    const text = join(root, 'notes.txt');
    writeFileSync(text, 'The quick brown fox jumps over the lazy dog. '.repeat(20));
    const raw = await runEval({ model, adapter, threads: 1, seqLen: 64, source: { kind: 'text', path: text } });
    const tok = await loadTokenizer(model);
    const bodyTokens = tok.encode('The quick brown fox jumps over the lazy dog. '.repeat(20), { addSpecialTokens: false }).length;
    const windows = raw.rows.length;
    // Every token but each window's first (it has no context) is a target.
    expect(raw.adapter.tokens).toBe(bodyTokens - (tok.addBosToken && tok.bosId != null ? 0 : windows));
    expect(raw.adapter.byPosition!.length).toBeGreaterThan(1);
  }, 60_000);

  test('lathe eval refuses an eval set with broken rows, listing each (line, field, reason), before loading the model', () => {
    const bad = join(root, 'bad-eval.jsonl');
    writeFileSync(bad, [
      JSON.stringify({ prompt: 'Capital of France?', expected: 'Paris', check: 'exact' }),
      JSON.stringify({ prompt: 'x', check: { kind: 'regex', pattern: '(' } }),
      JSON.stringify({ prompt: 'y', check: 'contains' }),
    ].join('\n') + '\n');
    const r = spawnSync(process.execPath, ['bin/lathe.js', 'eval', '--model', model, '--eval-set', bad, '--threads', '1'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('2 bad rows in the eval set; nothing was run');
    expect(r.stderr).toMatch(/bad-eval\.jsonl line 2, check\.pattern: invalid regular expression/);
    expect(r.stderr).toMatch(/bad-eval\.jsonl line 3, expected: a "contains" check needs the expected answer/);
    expect(r.stdout).toBe('');
  });
});

