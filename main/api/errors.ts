// The one error type that crosses process boundaries: a stable code, a message that says what and where, and a hint that says how to fix it.
export interface ApiErrorShape {
  code: string;
  message: string;
  hint?: string;
}

export class LatheError extends Error implements ApiErrorShape {
  readonly code: string;
  readonly hint?: string;

  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'LatheError';
    this.code = code;
    this.hint = hint;
  }

  toJSON(): ApiErrorShape {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

/** Turns anything thrown into the wire shape; unknown errors keep their message but never their stack. */
export function toApiError(err: unknown): ApiErrorShape {
  if (err instanceof LatheError) return err.toJSON();
  const e = err as { code?: unknown; message?: unknown; hint?: unknown } | null;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string') {
    return { code: e.code, message: e.message, ...(typeof e.hint === 'string' ? { hint: e.hint } : {}) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message, hint: 'This is a bug in Lathe; the log has details.' };
}
