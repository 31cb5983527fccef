// After a short demo-style training run (one shared adapter for every case), through the services and the real
// engine host: the bundled eval set's pass-rate with the adapter beats the base's; validation loss is stored with its
// lineage; the checkpoint picker marks the best; side-by-side chat streams; blind A/B ratings become a dataset.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig } from '../../main/cli/demo';
import { dispatch } from '../../main/services/dispatch';
import { createRuntime, type Runtime } from '../../main/services/runtime';
import { ensureDemoBaseModel } from '../../main/runs/demo-model';
import { hostEntryPath } from '../../main/runs/host-process';
import type { MethodName, MethodOutput } from '../../main/api/contract';
import type { TaskRow } from '../../main/api/eval-types';
import { tempDir } from '../helpers/temp-dir';

const STEPS = 50;
let runtime: Runtime;
let runId: string;
let projectId: string;

async function call<M extends MethodName>(method: M, args: unknown): Promise<MethodOutput<M>> {
  const r = await dispatch(method, args, runtime.ctx);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.value as MethodOutput<M>;
}

beforeAll(async () => {
  if (!existsSync(hostEntryPath())) throw new Error('run `npm run build` first (npm test does)');
  runtime = createRuntime({ libraryRoot: tempDir('lathe-evaldemo-'), shell: 'cli' });
  projectId = (await call('projects.create', { name: 'eval demo' })).id;
  const model = await ensureDemoBaseModel(runtime.ctx.paths.models);
  // The demo's recipe, shorter: 50 steps already teach the answer's JSON shape; rows fit in 160 tokens.
  const config = { ...demoConfig(model, STEPS, 2), seqLen: 160 };
  const run = await runtime.ctx.jobs.create(config, { name: 'demo', projectId });
  await runtime.ctx.jobs.idle();
  expect(runtime.ctx.jobs.get(run.id)!.status).toBe('completed');
  runId = run.id;
}, 600_000);

afterAll(async () => {
  await runtime?.close();
});

describe('evaluate after a demo-style run', () => {
  it("the bundled eval set's pass-rate with the adapter beats the base's", async () => {
    const { record, result } = await call('evals.run', { runId, source: { kind: 'demoEvalSet' }, maxNewTokens: 40 });
    const base = result.base!.passRate!;
    const tuned = result.adapter.passRate!;
    console.log(`demo eval set after ${STEPS} steps: base ${(100 * base).toFixed(1)}% vs adapter ${(100 * tuned).toFixed(1)}% (${result.rows.length} rows)`);
    expect(tuned).toBeGreaterThan(base);
    const rows = result.rows as TaskRow[];
    expect(rows.filter((r) => r.diff === 'fixed').length).toBeGreaterThan(0);
    expect(record).toMatchObject({ kind: 'task', runId, projectId, sourceKind: 'evalSet' });
    expect(record.dataHash).toMatch(/^[0-9a-f]{64}$/);
  }, 300_000);

  it('stores validation loss with lineage; the checkpoint picker marks the best', async () => {
    const { result } = await call('evals.run', { runId, source: { kind: 'validation' } });
    expect(result.adapter.loss!).toBeLessThan(result.base!.loss!);
    expect(result.worst!.length).toBeGreaterThan(0);
    const picker = await call('evals.checkpoints', { runId });
    expect(picker.points.map((p) => p.step)).toEqual([25, 50]);
    expect(picker.best).toBe(picker.points.reduce((m, p) => (p.loss! < m.loss! ? p : m)).step);
    const listed = await call('evals.list', { projectId });
    expect(listed.filter((e) => e.kind === 'loss').map((e) => e.checkpoint).sort()).toEqual([25, 50, null]);
  }, 300_000);

  it('chats side by side (streamed, same seed) and turns 5 blind ratings into a preference dataset', async () => {
    const chatId = randomUUID();
    const streamed: string[] = ['', ''];
    const off = runtime.subscribe((event, payload) => {
      if (event === 'evals.chatToken') {
        const p = payload as { chatId: string; index: number; delta: string };
        if (p.chatId === chatId) streamed[p.index] += p.delta;
      }
    });
    const settings = { temperature: 0.7, topP: 0.95, maxNewTokens: 24, seed: 3, sameSeed: true };
    const chat = await call('evals.chat', { runId, chatId, sides: ['base', 'adapter'], messages: [{ role: 'user', content: 'Extract the contact: call from Ana Rossi, ph 555-010-2000' }], settings });
    off();
    expect(chat.answers.map((a) => a.side)).toEqual(['base', 'adapter']);
    expect(streamed).toEqual(chat.answers.map((a) => a.text));
    expect(chat.answers[0].text).not.toEqual(chat.answers[1].text);
    const saved = await call('evals.saveTranscript', { projectId, title: 'first chat', settings, turns: [{ prompt: 'hi', answers: chat.answers.map((a) => ({ side: a.side!, text: a.text })) }] });
    expect((await call('evals.transcripts', { projectId })).map((t) => t.id)).toEqual([saved.id]);

    const choices = ['a', 'b', 'a', 'both-bad', 'b'] as const;
    for (const [i, choice] of choices.entries()) {
      const pair = await call('evals.abNext', { runId, projectId, prompt: `Extract the contact: note ${i}, email x${i}@y.com`, settings: { ...settings, maxNewTokens: 12 } });
      expect(pair.sideA).toBeUndefined();
      const rated = await call('evals.abRate', { id: pair.id, choice });
      expect([rated.sideA, rated.sideB].sort()).toEqual(['adapter', 'base']);
    }
    const exported = await call('evals.abExport', { projectId, name: 'ab prefs' });
    expect(exported).toMatchObject({ pairs: 4, skippedBothBad: 1 });
    const datasets = await call('datasets.list', { projectId });
    expect(datasets.find((d) => d.name === 'ab prefs')).toMatchObject({ format: 'preference', valid: 4 });
  }, 300_000);
});
