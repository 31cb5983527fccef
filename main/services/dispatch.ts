// Validates and runs one API call from any front door (Electron IPC, WebSocket): unknown methods, hostile keys and
// schema violations are refused with {code, message, hint} before any handler runs.
import type { z } from 'zod';
import { methods, type MethodName } from '../api/contract';
import { LatheError, toApiError, type ApiErrorShape } from '../api/errors';
import { issueText } from '../api/issue-text';
import type { ServiceContext } from './context';
import { handlers } from './handlers';
import { checkCallPaths } from './path-policy';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 32;

/** Rejects prototype-pollution keys and absurd nesting anywhere in the arguments. */
export function assertPlainData(value: unknown, path = 'args', depth = 0): void {
  if (depth > MAX_DEPTH) throw new LatheError('api.invalidArgs', `${path} is nested too deeply.`, 'Send plain, shallow JSON arguments.');
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) throw new LatheError('api.invalidArgs', `${path} has a forbidden key "${key}".`, 'Remove that key; it is never a valid argument.');
    assertPlainData((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
  }
}

function formatIssues(method: string, error: z.ZodError): LatheError {
  const first = error.issues[0];
  const where = first?.path.length ? first.path.join('.') : 'arguments';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  const issues = error.issues.map((i) => ({ field: i.path.join('.'), message: issueText(i) }));
  return new LatheError('api.invalidArgs', `${method}: ${where} ${first ? issueText(first) : 'is invalid'}${more}.`, 'Check the value and try again.', { field: first?.path.length ? where : undefined, issues });
}

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}

export type DispatchResult = { ok: true; value: unknown } | { ok: false; error: ApiErrorShape };

export async function dispatch(method: unknown, args: unknown, ctx: ServiceContext): Promise<DispatchResult> {
  try {
    if (!isMethodName(method)) {
      throw new LatheError('api.unknownMethod', `Unknown API method ${JSON.stringify(String(method)).slice(0, 80)}.`, 'The renderer and main process may be from different versions; reload the app.');
    }
    assertPlainData(args);
    const parsed = methods[method].input.safeParse(args ?? undefined);
    if (!parsed.success) throw formatIssues(method, parsed.error);
    checkCallPaths(method, parsed.data, ctx);
    const handler = handlers[method] as (a: unknown, c: ServiceContext) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data, ctx) };
  } catch (err) {
    return { ok: false, error: toApiError(err) };
  }
}
