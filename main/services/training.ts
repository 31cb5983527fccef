// Training and run handlers: start/pause/resume/cancel go to the job manager; runs are read from the library.
import { TrainingConfigObject, configHelp, configKinds } from '../api/training-config';
import { readFile } from 'node:fs/promises';
import { LatheError } from '../api/errors';
import { readMetrics, runFiles } from '../runs/run-dir';
import type { MethodOutput, MethodParsedInput } from '../api/contract';
import { ProjectsRepo } from '../library/projects-repo';
import type { ServiceContext } from './context';

export const trainingHandlers = {
  'training.configHelp': async (): Promise<MethodOutput<'training.configHelp'>> => {
    const defaults = TrainingConfigObject.partial({ model: true, dataset: true }).parse({}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(configHelp).map(([k, help]) => [k, { help, default: defaults[k] ?? null, ...configKinds[k as keyof typeof configKinds] }]));
  },

  'training.start': async (args: MethodParsedInput<'training.start'>, ctx: ServiceContext): Promise<MethodOutput<'training.start'>> => {
    if (args.projectId) new ProjectsRepo(ctx.db).get(args.projectId);
    return ctx.jobs.create(args.config, { name: args.name, projectId: args.projectId ?? null });
  },
  'training.fitCheck': async (args: MethodParsedInput<'training.fitCheck'>, ctx: ServiceContext): Promise<MethodOutput<'training.fitCheck'>> => {
    // Runs in the shared engine host, not the job's: it loads the model for a moment, then frees it.
    return ctx.supervisor.request('train.fitCheck', { config: ctx.jobs.resolveConfig(args.config), calibrate: args.calibrate ?? true });
  },
  'training.pause': async (args: MethodParsedInput<'training.pause'>, ctx: ServiceContext): Promise<MethodOutput<'training.pause'>> => ctx.jobs.pause(args.id),
  'training.resume': async (args: MethodParsedInput<'training.resume'>, ctx: ServiceContext): Promise<MethodOutput<'training.resume'>> => ctx.jobs.resume(args.id),
  'training.cancel': async (args: MethodParsedInput<'training.cancel'>, ctx: ServiceContext): Promise<MethodOutput<'training.cancel'>> => ctx.jobs.cancel(args.id),
  'runs.rename': async (args: MethodParsedInput<'runs.rename'>, ctx: ServiceContext): Promise<MethodOutput<'runs.rename'>> => ctx.jobs.rename(args.id, args.name),
  'runs.delete': async (args: MethodParsedInput<'runs.delete'>, ctx: ServiceContext): Promise<MethodOutput<'runs.delete'>> => {
    await ctx.jobs.delete(args.id);
    return { deleted: true };
  },

  'runs.list': async (args: MethodParsedInput<'runs.list'>, ctx: ServiceContext): Promise<MethodOutput<'runs.list'>> => ctx.jobs.list(args?.projectId),
  'runs.log': async (args: MethodParsedInput<'runs.log'>, ctx: ServiceContext): Promise<MethodOutput<'runs.log'>> => {
    const run = ctx.jobs.get(args.id);
    if (!run) throw new LatheError('runs.notFound', `No run with id ${args.id}.`, 'Reload the run list.');
    let text = '';
    try {
      text = await readFile(runFiles(run.runDir).log, 'utf8');
    } catch {
      // No log yet: the run has not started.
    }
    const all = text.split('\n').filter((l) => l.length);
    const tail = args.tail ?? 500;
    return { lines: all.slice(-tail), truncated: all.length > tail };
  },
  'runs.get': async (args: MethodParsedInput<'runs.get'>, ctx: ServiceContext): Promise<MethodOutput<'runs.get'>> => {
    const run = ctx.jobs.get(args.id);
    if (!run) throw new LatheError('runs.notFound', `No run with id ${args.id}.`, 'Reload the run list.');
    const metrics = ctx.jobs.metrics(args.id);
    // Objective-specific figures (DPO rewards, accuracy) live only in the run's metrics.jsonl, keyed by step.
    const extra = new Map<number, Record<string, number>>();
    for (const m of readMetrics(run.runDir)) if (typeof m.step === 'number' && m.extra && typeof m.extra === 'object') extra.set(m.step, m.extra as Record<string, number>);
    return { run, metrics: extra.size ? metrics.map((m) => (extra.has(m.step) ? { ...m, extra: extra.get(m.step)! } : m)) : metrics, checkpoints: ctx.jobs.checkpoints(args.id) };
  },
};
