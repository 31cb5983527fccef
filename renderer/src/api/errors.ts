// The error the UI shows: the API's {code, message, hint} whatever transport it came over (Electron IPC or WebSocket).
export class ApiError extends Error {
  readonly code: string;
  readonly hint?: string;
  /** The argument the error is about ("config.loraR"), when the server's validation named it. */
  readonly field?: string;
  /** What is wrong with that field, in words about the field ("must be at least 1"). */
  readonly fieldMessage?: string;

  constructor(code: string, message: string, hint?: string, about?: { field?: string; issues?: { field: string; message: string }[] }) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.hint = hint;
    if (about?.field) {
      this.field = about.field;
      const first = about.issues?.find((i) => i.field === about.field);
      if (first) this.fieldMessage = first.message;
    }
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
    const { field, issues } = e as { field?: unknown; issues?: unknown };
    const about = typeof field === 'string' ? { field, issues: Array.isArray(issues) ? (issues as { field: string; message: string }[]) : undefined } : undefined;
    return new ApiError(code, message, typeof e.hint === 'string' ? e.hint : undefined, about);
  }
  return new ApiError('internal', String(err));
}
