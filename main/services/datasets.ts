// Dataset service handlers: inspect, preview (with loss masks), raw lines, import, list and delete.
import { stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { z } from 'zod';
import type { MethodOutput, MethodParsedInput } from '../api/contract';
import { LatheError } from '../api/errors';
import type { DatasetSource, ReadArgs } from '../api/dataset-schemas';
import type { DatasetReportView } from '../api/dataset-types';
import { runPipeline, defaultTemplate } from '../data/pipeline';
import { readLines } from '../data/readers/lines';
import { readParquet } from '../data/readers/parquet';
import { validationCount } from '../data/split';
import { deleteDataset, importDataset } from '../data/store';
import { previewExamples } from '../data/preview';
import type { Example } from '../data/types';
import { emptyReport, validateDataset, type ValidateOptions } from '../data/validate';
import { removeUpload } from '../library/uploads';
import { DatasetsRepo } from '../library/datasets-repo';
import { loadTokenizer, type LatheTokenizer } from '../models/tokenizer';
import type { ServiceContext } from './context';
import { checkDuplicate, runsUsing } from './dataset-manage';
import { cancelDataJob, withDataJob } from './data-jobs';

/** Loaded tokenizers by folder: loading a 128K vocabulary takes about a second, and the Data page asks repeatedly. */
const tokenizers = new Map<string, Promise<LatheTokenizer>>();
function tokenizerAt(path: string): Promise<LatheTokenizer> {
  const key = resolve(path);
  let t = tokenizers.get(key);
  if (!t) {
    t = loadTokenizer(key);
    t.catch(() => tokenizers.delete(key));
    tokenizers.set(key, t);
    if (tokenizers.size > 4) tokenizers.delete(tokenizers.keys().next().value!);
  }
  return t;
}

/** Resolves a source to a file on disk: a picked path as given, or an upload strictly inside the uploads folder. */
export async function resolveSource(src: z.output<typeof DatasetSource>, ctx: ServiceContext): Promise<{ path: string; name: string }> {
  let path: string;
  let name: string;
  if ('path' in src) {
    path = resolve(src.path);
    name = path.split(sep).pop() ?? path;
  } else {
    const root = resolve(ctx.paths.uploads);
    path = resolve(join(root, src.uploadId, src.name));
    if (!path.startsWith(root + sep)) throw new LatheError('datasets.badSource', 'The upload name points outside the uploads folder.', 'Upload the file again.');
    name = src.name;
  }
  const info = await stat(path).catch(() => null);
  if (!info) throw new LatheError('data_not_found', `${'path' in src ? path : name} does not exist.`, 'uploadId' in src ? 'Upload the file again.' : 'Check the path, or pick the file again.');
  if (!info.isFile() && !info.isDirectory()) throw new LatheError('data_not_file', `${path} is not a regular file.`, 'Pick a dataset file or a folder of text files.');
  return { path, name };
}

type ReadArgsOut = z.output<z.ZodObject<typeof ReadArgs>>;
function readOptions(a: ReadArgsOut, name: string): ValidateOptions {
  return { format: a.format, source: a.sourceKind, map: a.map as Record<string, string> | undefined, jsonField: a.jsonField, textUnit: a.textUnit, displayName: name, maxListed: 10_000 };
}

const view = (r: unknown): DatasetReportView => r as DatasetReportView;

export const datasetHandlers = {
  'datasets.inspect': async (a: MethodParsedInput<'datasets.inspect'>, ctx: ServiceContext): Promise<MethodOutput<'datasets.inspect'>> => {
    const { path, name } = await resolveSource(a.source, ctx);
    const tokenizer = a.tokenizerPath ? await tokenizerAt(a.tokenizerPath) : undefined;
    const report = await withDataJob(ctx, a.jobId, (job) =>
      runPipeline(path, {
        ...readOptions(a, name),
        ...job,
        tokenize: tokenizer ? { tokenizer, template: a.template, mask: a.mask, maxLen: a.maxLen, policy: a.policy } : undefined,
      }),
    );
    const split = a.valFraction != null || a.valCount != null
      ? (() => {
          const v = validationCount(report.valid, { valFraction: a.valFraction, valCount: a.valCount });
          return { train: report.valid - v, validation: v, seed: a.seed ?? 0 };
        })()
      : undefined;
    return { ...view(report), ...(split ? { split } : {}) };
  },

  'datasets.preview': async (a: MethodParsedInput<'datasets.preview'>, ctx: ServiceContext): Promise<MethodOutput<'datasets.preview'>> => {
    const { path, name } = await resolveSource(a.source, ctx);
    const tokenizer = await tokenizerAt(a.tokenizerPath);
    const offset = a.offset ?? 0;
    const count = a.count ?? 5;
    const picked: Example[] = [];
    let seen = 0;
    const gen = validateDataset(path, readOptions(a, name), emptyReport(name, 'jsonl'));
    for await (const ex of gen) {
      if (seen++ < offset) continue;
      picked.push(ex);
      if (picked.length >= count) break;
    }
    await gen.return(undefined);
    return previewExamples(picked, { tokenizer, template: a.template ?? defaultTemplate(tokenizer), mask: a.mask ?? 'assistant', maxLen: a.maxLen, lengthPolicy: a.policy });
  },

  'datasets.rawLines': async (a: MethodParsedInput<'datasets.rawLines'>, ctx: ServiceContext): Promise<MethodOutput<'datasets.rawLines'>> => {
    const { path } = await resolveSource(a.source, ctx);
    const ctxLines = a.context ?? 2;
    const from = Math.max(1, a.line - ctxLines);
    const to = a.line + ctxLines;
    const out: { line: number; text: string }[] = [];
    const clip = (s: string): string => (s.length > 2000 ? s.slice(0, 2000) + ' …' : s);
    if (/\.(parquet|pq)$/i.test(path)) {
      for await (const r of readParquet(path)) {
        if (r.line > to) break;
        if (r.line >= from) out.push({ line: r.line, text: clip(JSON.stringify(r.value)) });
      }
      return out;
    }
    if ((await stat(path)).isDirectory()) return out;
    outer: for await (const batch of readLines(path)) {
      for (const l of batch) {
        if (l.line > to) break outer;
        if (l.line >= from) out.push({ line: l.line, text: l.issue ? `(${l.issue.reason})` : clip(l.text) });
      }
    }
    return out;
  },

  'datasets.import': async (a: MethodParsedInput<'datasets.import'>, ctx: ServiceContext): Promise<MethodOutput<'datasets.import'>> => {
    const { path, name } = await resolveSource(a.source, ctx);
    if (!a.allowDuplicate) await checkDuplicate(ctx, a.projectId, path);
    const { dataset, report } = await withDataJob(ctx, a.jobId, (job) =>
      importDataset(ctx.db, ctx.paths, path, { ...readOptions(a, name), ...job, projectId: a.projectId, name: a.name ?? name, onInvalid: a.onInvalid, training: a.training }),
    );
    // The dataset holds its own raw copy: the upload goes. A failed import keeps it (to retry with other options) until
    // the uploads folder's age limit removes it.
    if ('uploadId' in a.source) removeUpload(ctx.paths.uploads, a.source.uploadId);
    return { dataset, report: view(report) };
  },

  'datasets.cancel': async (a: MethodParsedInput<'datasets.cancel'>): Promise<MethodOutput<'datasets.cancel'>> => ({ cancelled: cancelDataJob(a.jobId) }),

  'datasets.list': async (a: MethodParsedInput<'datasets.list'>, ctx: ServiceContext): Promise<MethodOutput<'datasets.list'>> =>
    new DatasetsRepo(ctx.db).list(a?.projectId),

  'datasets.delete': async (a: MethodParsedInput<'datasets.delete'>, ctx: ServiceContext): Promise<MethodOutput<'datasets.delete'>> => {
    const busy = runsUsing(ctx, a.id).filter((r) => r.status === 'running' || r.status === 'queued');
    if (busy.length) throw new LatheError('datasets.inUse', `Run "${busy[0].name}" is training on this dataset, so it cannot be deleted now.`, 'Pause or cancel the run first.');
    await deleteDataset(ctx.db, ctx.paths, a.id);
    return { deleted: true };
  },
};
