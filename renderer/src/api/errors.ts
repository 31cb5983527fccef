// The error the UI shows: the API's {code, message, hint} whatever transport it came over (Electron IPC or WebSocket).
export class ApiError extends Error {
  readonly code: string;
  readonly hint?: string;

  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.hint = hint;
  }
}

/** Normalizes anything a call rejected with, so components only deal with one shape. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { code?: unknown; message?: unknown; hint?: unknown } | null;
  if (e && typeof e === 'object' && typeof e.message === 'string') {
    const code = typeof e.code === 'string' ? e.code : 'internal';
    // Electron prefixes errors that crossed IPC ("Error invoking remote method 'x': Error: ..."); the user does not need that.
    const message = e.message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
    return new ApiError(code, message, typeof e.hint === 'string' ? e.hint : undefined);
  }
  return new ApiError('internal', String(err));
}
