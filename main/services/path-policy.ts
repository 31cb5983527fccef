// File access in remote web mode: when `lathe serve` binds beyond loopback, every API argument that names a file or
// folder must lie inside the library or a folder the user listed with --allow-dir. Locally nothing is restricted.
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { MethodName } from '../api/contract';
import { LatheError } from '../api/errors';
import type { ServiceContext } from './context';

type Args = Record<string, unknown> | undefined;
const str = (v: unknown): v is string => typeof v === 'string';
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
/** A dataset reference may be a library id or name; only strings that look like paths are checked. */
const looksLikePath = (v: unknown): v is string => str(v) && (isAbsolute(v) || /[\\/]/.test(v) || v.startsWith('.'));

/** A training config's files: the model, the dataset, the validation file and every mixture dataset. */
function configPaths(c: Record<string, unknown>): [string, unknown][] {
  const mixture = Array.isArray(c.mixture) ? c.mixture.map((m, i): [string, unknown] => [`config.dataset (mixture[${i}])`, obj(m).dataset]) : [];
  return [['config.model', c.model], ['config.dataset', c.dataset], ['config.validationDataset', c.validationDataset], ...mixture];
}

/** The path-valued arguments of each method that takes one, with the field name used in errors. */
const PATH_ARGS: Partial<Record<MethodName, (a: Args) => [string, unknown][]>> = {
  'models.inspect': (a) => [['path', a?.path]],
  'models.import': (a) => [['path', a?.path]],
  'datasets.inspect': (a) => [['source.path', obj(a?.source).path], ['tokenizerPath', a?.tokenizerPath]],
  'datasets.preview': (a) => [['source.path', obj(a?.source).path], ['tokenizerPath', a?.tokenizerPath]],
  'datasets.rawLines': (a) => [['source.path', obj(a?.source).path]],
  'datasets.import': (a) => [['source.path', obj(a?.source).path], ['tokenizerPath', a?.tokenizerPath]],
  'learn.nextToken': (a) => [['model', a?.model]],
  'learn.oneStep': (a) => [['model', a?.model]],
  'learn.fillMask': (a) => [['model', a?.model]],
  'learn.approaches': (a) => [['model', a?.model]],
  'training.start': (a) => configPaths(obj(a?.config)),
  'training.fitCheck': (a) => configPaths(obj(a?.config)),
};

/** Resolves symlinks of the longest existing prefix, so a link inside an allowed folder cannot point outside it. */
function realish(p: string): string {
  let head = resolve(p);
  const tail: string[] = [];
  for (;;) {
    try {
      return resolve(realpathSync(head), ...tail.reverse());
    } catch {
      const up = dirname(head);
      if (up === head) return resolve(p);
      tail.push(head.slice(up.length).replace(/^[\\/]/, ''));
      head = up;
    }
  }
}

function inside(root: string, target: string): boolean {
  const rel = relative(realish(root), target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Returns the path when allowed (always, in local mode); otherwise a clear error naming the field and the allowed roots. */
export function assertPathAllowed(ctx: Pick<ServiceContext, 'allowedRoots'>, path: string, field: string): string {
  const roots = ctx.allowedRoots;
  if (!roots) return path;
  const target = realish(path);
  if (roots.some((r) => inside(r, target))) return path;
  throw new LatheError('files.outsideAllowed', `${field}: ${path} is outside the folders this server may read (${roots.join(', ')}).`,
    'This server is reachable from the network, so file access is limited to the library and the folders given with `lathe serve --allow-dir DIR`. Move the file there, upload it, or restart the server with --allow-dir.');
}

/** Checks every path argument of a call (a no-op in local mode). */
export function checkCallPaths(method: MethodName, args: unknown, ctx: Pick<ServiceContext, 'allowedRoots'>): void {
  if (!ctx.allowedRoots) return;
  for (const [field, value] of PATH_ARGS[method]?.(args as Args) ?? []) {
    if (field.startsWith('config.dataset') || field.startsWith('config.validation') ? looksLikePath(value) : str(value)) assertPathAllowed(ctx, value as string, field);
  }
}
