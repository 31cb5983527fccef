// Evaluate handlers: evals run in the shared engine host and are stored with their lineage; chat streams tokens as
// events; blind A/B pairs are stored and exported into the project as a preference dataset.
import { randomInt, randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LatheError } from '../api/errors';
import type { MethodOutput, MethodParsedInput } from '../api/contract';
import type { BlindPair, ChatSide } from '../api/contract-evals';
import { appRoot } from '../app-root';
import { datasetDir, importDataset } from '../data/store';
import { resolveTarget } from '../eval/resolve';
import type { EvalSource } from '../api/eval-types';
import { DatasetsRepo } from '../library/datasets-repo';
import { EvalsRepo, type AbPair } from '../library/evals-repo';
import { listCheckpoints } from '../runs/checkpoints';
import { runFiles } from '../runs/run-dir';
import type { ChatSettings } from '../host/eval/chat-op';
import type { ServiceContext } from './context';
import type { z } from 'zod';

type TargetArgs = { runId?: string; checkpoint?: number; model?: string; adapter?: string };

export const demoEvalSetPath = () => join(appRoot(), 'assets', 'eval', 'contacts-eval.jsonl');

function runOf(ctx: ServiceContext, runId: string) {
  const run = ctx.jobs.get(runId);
  if (!run) throw new LatheError('runs.notFound', `No run with id ${runId}.`, 'Reload the run list.');
  return run;
}

async function target(ctx: ServiceContext, a: TargetArgs) {
  const run = a.runId ? runOf(ctx, a.runId) : undefined;
  const t = await resolveTarget({ model: a.model, adapter: a.adapter, run: run?.runDir, checkpoint: a.checkpoint });
  return { ...t, run };
}

function sourceOf(ctx: ServiceContext, s: MethodParsedInput<'evals.run'>['source'], runDir: string | undefined): EvalSource {
  switch (s.kind) {
    case 'validation':
      if (!runDir) throw new LatheError('evals.noRun', 'The validation split belongs to a run: pick a run first.', 'Or evaluate on a dataset file.');
      return { kind: 'validation', runDir };
    case 'dataset': {
      const d = new DatasetsRepo(ctx.db).get(s.id);
      return { kind: 'data', path: datasetDir(ctx.paths, d.dir) };
    }
    case 'demoEvalSet':
      return { kind: 'evalSet', path: demoEvalSetPath() };
    default:
      return s;
  }
}

async function chatSides(ctx: ServiceContext, a: TargetArgs, sides: z.infer<typeof ChatSide>[]): Promise<{ model: string; quant?: 'none' | 'nf4' | 'int8'; dirs: (string | null)[]; names: string[] }> {
  const t = await target(ctx, { ...a, checkpoint: undefined });
  const checkpoints = t.run ? await listCheckpoints(runFiles(t.run.runDir).checkpoints) : [];
  const dirs = sides.map((s) => {
    if (s === 'base') return null;
    if (s === 'adapter') {
      if (!t.adapter) throw new LatheError('evals.noAdapter', 'There is no adapter to chat with.', 'Pick a run that has finished or has a checkpoint.');
      return t.adapter;
    }
    const c = checkpoints.find((x) => x.step === s.checkpoint);
    if (!c) throw new LatheError('evals.noCheckpoint', `No checkpoint at step ${s.checkpoint}.`, `Checkpoints: ${checkpoints.map((x) => x.step).join(', ') || 'none'}.`);
    return c.dir;
  });
  const names = sides.map((s) => (typeof s === 'string' ? s : `checkpoint ${s.checkpoint}`));
  return { model: t.model, quant: t.quant, dirs, names };
}

const blind = (p: AbPair): BlindPair => (p.choice ? p : { ...p, sideA: undefined, sideB: undefined });

export const evalsHandlers = {
  'evals.run': async (a: MethodParsedInput<'evals.run'>, ctx: ServiceContext): Promise<MethodOutput<'evals.run'>> => {
    const t = await target(ctx, a);
    const source = sourceOf(ctx, a.source, t.run?.runDir);
    const jobId = a.jobId ?? randomUUID();
    const settings = { quant: t.quant ?? 'none', seqLen: a.seqLen, maxNewTokens: a.maxNewTokens };
    const result = await ctx.supervisor.request('eval.run', { model: t.model, adapter: t.adapter, quant: t.quant, source, seqLen: a.seqLen, maxNewTokens: a.maxNewTokens }, {
      onEvent: (e) => {
        if (e.name === 'progress') ctx.emit('evals.progress', { jobId, ...e.payload });
      },
    });
    const record = new EvalsRepo(ctx.db).insert({ projectId: a.projectId ?? t.run?.projectId ?? null, runId: t.run?.id ?? null, checkpoint: t.checkpoint ?? null, settings, result });
    return { record, result };
  },

  'evals.list': async (a: MethodParsedInput<'evals.list'>, ctx: ServiceContext): Promise<MethodOutput<'evals.list'>> => new EvalsRepo(ctx.db).list(a ?? {}),

  'evals.get': async (a: MethodParsedInput<'evals.get'>, ctx: ServiceContext): Promise<MethodOutput<'evals.get'>> => {
    const repo = new EvalsRepo(ctx.db);
    return { record: repo.get(a.id), result: repo.result(a.id) };
  },

  'evals.checkpoints': async (a: MethodParsedInput<'evals.checkpoints'>, ctx: ServiceContext): Promise<MethodOutput<'evals.checkpoints'>> => {
    const run = runOf(ctx, a.runId);
    const checkpoints = (await listCheckpoints(runFiles(run.runDir).checkpoints)).sort((x, y) => x.step - y.step);
    if (!checkpoints.length) throw new LatheError('evals.noCheckpoint', `Run ${run.name} has no checkpoint yet.`, 'Wait for the first checkpoint.');
    const points: MethodOutput<'evals.checkpoints'>['points'] = [];
    let base: { loss: number | null; ppl: number | null } | null = null;
    for (const [i, c] of checkpoints.entries()) {
      ctx.emit('evals.progress', { jobId: a.jobId ?? run.id, phase: 'checkpoint', done: i, total: checkpoints.length, message: `checkpoint ${c.step}` });
      const { record, result } = await evalsHandlers['evals.run']({ runId: run.id, checkpoint: c.step, projectId: a.projectId, source: { kind: 'validation' } }, ctx);
      if (result.base && !base) base = { loss: result.base.loss, ppl: result.base.ppl };
      points.push({ step: c.step, loss: result.adapter.loss, ppl: result.adapter.ppl, evalId: record.id });
    }
    const scored = points.filter((p) => p.loss !== null);
    const best = scored.length ? scored.reduce((m, p) => (p.loss! < m.loss! ? p : m)).step : null;
    return { points, best, base };
  },

  'evals.chat': async (a: MethodParsedInput<'evals.chat'>, ctx: ServiceContext): Promise<MethodOutput<'evals.chat'>> => {
    const s = await chatSides(ctx, a, a.sides);
    const res = await ctx.supervisor.request('eval.chat', { model: s.model, quant: s.quant, sides: s.dirs, messages: a.messages, settings: a.settings as ChatSettings }, {
      onEvent: (e) => {
        if (e.name === 'token') ctx.emit('evals.chatToken', { chatId: a.chatId, ...e.payload });
      },
    });
    return { answers: res.answers.map((x, i) => ({ ...x, side: s.names[i] })) };
  },

  'evals.saveTranscript': async (a: MethodParsedInput<'evals.saveTranscript'>, ctx: ServiceContext): Promise<MethodOutput<'evals.saveTranscript'>> => new EvalsRepo(ctx.db).saveTranscript(a),
  'evals.transcripts': async (a: MethodParsedInput<'evals.transcripts'>, ctx: ServiceContext): Promise<MethodOutput<'evals.transcripts'>> => new EvalsRepo(ctx.db).transcripts(a.projectId),

  'evals.abNext': async (a: MethodParsedInput<'evals.abNext'>, ctx: ServiceContext): Promise<MethodOutput<'evals.abNext'>> => {
    const sides = a.sides ?? ['base', 'adapter'];
    const s = await chatSides(ctx, a, sides);
    // Both sides see the same seed: the answers differ by the adapter (or checkpoint) alone.
    const res = await ctx.supervisor.request('eval.chat', { model: s.model, quant: s.quant, sides: s.dirs, messages: [{ role: 'user', content: a.prompt }], settings: { ...(a.settings as ChatSettings), sameSeed: true } });
    const swap = randomInt(2) === 1;
    const [first, second] = swap ? [1, 0] : [0, 1];
    const pair = new EvalsRepo(ctx.db).addPair({
      projectId: a.projectId, prompt: a.prompt, answerA: res.answers[first].text, answerB: res.answers[second].text, sideA: s.names[first], sideB: s.names[second], settings: a.settings,
    });
    return blind(pair);
  },

  'evals.abRate': async (a: MethodParsedInput<'evals.abRate'>, ctx: ServiceContext): Promise<MethodOutput<'evals.abRate'>> => blind(new EvalsRepo(ctx.db).rate(a.id, a.choice)),
  'evals.abList': async (a: MethodParsedInput<'evals.abList'>, ctx: ServiceContext): Promise<MethodOutput<'evals.abList'>> => new EvalsRepo(ctx.db).pairs(a.projectId).map(blind),

  'evals.abExport': async (a: MethodParsedInput<'evals.abExport'>, ctx: ServiceContext): Promise<MethodOutput<'evals.abExport'>> => {
    const pairs = new EvalsRepo(ctx.db).pairs(a.projectId).filter((p) => p.choice);
    // "Both bad" has no chosen answer, and two identical answers teach nothing: neither is preference data.
    const usable = pairs.filter((p) => (p.choice === 'a' || p.choice === 'b') && p.answerA !== p.answerB);
    if (!usable.length) throw new LatheError('evals.noRatings', 'No rated pair has a preferred answer yet.', 'Rate some pairs A or B first ("both bad" pairs and identical answers are not preference data).');
    const lines = usable.map((p) => JSON.stringify({ prompt: p.prompt, chosen: p.choice === 'a' ? p.answerA : p.answerB, rejected: p.choice === 'a' ? p.answerB : p.answerA }));
    const file = join(ctx.paths.uploads, `ab-ratings-${randomUUID()}.jsonl`);
    await writeFile(file, lines.join('\n') + '\n');
    try {
      const name = a.name ?? `A/B preferences ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
      const { dataset } = await importDataset(ctx.db, ctx.paths, file, { projectId: a.projectId, name, format: 'preference' });
      return { dataset, pairs: usable.length, skippedBothBad: pairs.filter((p) => p.choice === 'both-bad').length, skippedIdentical: pairs.filter((p) => p.choice !== 'both-bad' && p.answerA === p.answerB).length };
    } finally {
      await rm(file, { force: true });
    }
  },
};
