// Export handlers: the size estimate runs here (headers only); the export itself runs in the engine host, recorded in
// the exports table with its lineage, and streamed to the UI as exports.progress / exports.status events.
import { basename, join } from 'node:path';
import type { MethodOutput, MethodParsedInput } from '../api/contract';
import type { ExportView } from '../api/contract-exports';
import { LatheError } from '../api/errors';
import type { ExportSourceArgs } from '../export/export-args';
import type { ExportFormat } from '../api/export-formats';
import { estimateExportBytes } from '../export/estimate';
import { resolveExportSource } from '../export/export-args';
import { usageCommands } from '../export/usage-commands';
import { ExportsRepo, type ExportRecord } from '../library/exports-repo';
import type { ServiceContext } from './context';

const running = new Map<string, AbortController>();

function view(e: ExportRecord): ExportView {
  const base = typeof e.source.baseModel === 'string' ? e.source.baseModel : undefined;
  return { ...e, commands: e.status === 'completed' ? usageCommands(e.format as ExportFormat, e.outPath, { baseModel: base }) : [] };
}

type SourceArg = MethodParsedInput<'exports.estimate'>['source'];

function sourceArgs(s: SourceArg, ctx: ServiceContext): { args: ExportSourceArgs; runId: string | null } {
  if ('runId' in s) {
    const run = ctx.jobs.get(s.runId);
    if (!run) throw new LatheError('runs.notFound', `No run with id ${s.runId}.`, 'Reload the run list.');
    return { args: { runDir: run.runDir, checkpoint: s.checkpoint ?? 'best' }, runId: run.id };
  }
  return { args: { model: s.model, adapter: s.adapter }, runId: null };
}

const EXT: Record<string, string> = { gguf: '.gguf', 'gguf-lora': '.lora.gguf' };

export const exportsHandlers = {
  'exports.estimate': async (a: MethodParsedInput<'exports.estimate'>, ctx: ServiceContext): Promise<MethodOutput<'exports.estimate'>> => {
    const src = await resolveExportSource(sourceArgs(a.source, ctx).args);
    return { bytes: await estimateExportBytes(src.baseDir, src.adapterDir, a.format, a.quant), adapterDir: src.adapterDir, checkpoint: src.run?.checkpoint ?? null };
  },

  'exports.start': async (a: MethodParsedInput<'exports.start'>, ctx: ServiceContext): Promise<MethodOutput<'exports.start'>> => {
    const { args: source, runId } = sourceArgs(a.source, ctx);
    const src = await resolveExportSource(source);
    const repo = new ExportsRepo(ctx.db);
    const stem = `${runId ?? basename(src.baseDir)}${src.run?.checkpoint != null ? `-step${src.run.checkpoint}` : ''}-${a.format}${a.quant ? `-${a.quant}` : ''}`;
    const out = a.out ?? join(ctx.paths.exports, `${stem}-${Date.now().toString(36)}${EXT[a.format] ?? ''}`);
    const rec = repo.create({ runId, checkpoint: src.run?.checkpoint ?? null, source: { ...source, baseModel: src.baseDir }, format: a.format, quant: a.quant ?? null, outPath: out });
    const ac = new AbortController();
    running.set(rec.id, ac);
    const job = ctx.supervisor.request(
      'export.run',
      { source: { ...source, ...('runDir' in source && src.run ? { checkpoint: src.run.checkpoint ?? 'final' } : {}) }, format: a.format, quant: a.quant, out, force: a.force, system: a.system, separateAdapter: a.separateAdapter },
      {
        signal: ac.signal,
        onEvent: (e) => {
          if (e.name === 'progress') ctx.emit('exports.progress', { id: rec.id, ...e.payload });
        },
      },
    );
    job.then(
      (r) => ctx.emit('exports.status', { export: view(repo.finish(rec.id, { status: 'completed', files: r.files, mergeKL: r.mergeKL ?? null })) }),
      (err: unknown) => {
        const e = err as { code?: string; message?: string; hint?: string };
        const status = ac.signal.aborted ? 'cancelled' : 'failed';
        ctx.emit('exports.status', { export: view(repo.finish(rec.id, { status, error: { code: e.code ?? 'export.failed', message: e.message ?? String(err), ...(e.hint ? { hint: e.hint } : {}) } })) });
      },
    ).finally(() => running.delete(rec.id));
    return view(rec);
  },

  'exports.cancel': async (a: MethodParsedInput<'exports.cancel'>): Promise<MethodOutput<'exports.cancel'>> => {
    const ac = running.get(a.id);
    if (!ac) return { cancelled: false };
    ac.abort('cancel');
    return { cancelled: true };
  },

  'exports.list': async (a: MethodParsedInput<'exports.list'>, ctx: ServiceContext): Promise<MethodOutput<'exports.list'>> => new ExportsRepo(ctx.db).list(a?.runId).map(view),
};
