// The one error type that crosses process boundaries: a stable code, a message that says what and where, and a hint
// that says how to fix it; a validation error also names the field it is about, so a form marks it without parsing text.
export interface ApiErrorShape {
  code: string;
  message: string;
  hint?: string;
  /** The argument the error is about, as a dotted path ("config.loraR", "name"); set by validation. */
  field?: string;
  /** Every schema violation of a validation error (the message words the first). */
  issues?: FieldIssue[];
}

export interface FieldIssue {
  field: string;
  message: string;
}

export class LatheError extends Error implements ApiErrorShape {
  readonly code: string;
  readonly hint?: string;
  readonly field?: string;
  readonly issues?: FieldIssue[];

  constructor(code: string, message: string, hint?: string, about?: { field?: string; issues?: FieldIssue[] }) {
    super(message);
    this.name = 'LatheError';
    this.code = code;
    this.hint = hint;
    if (about?.field) this.field = about.field;
    if (about?.issues?.length) this.issues = about.issues;
  }

  /** The same error about a field one level down (a config key becomes "config.<key>" in an API call). */
  within(prefix: string): LatheError {
    const at = (f: string) => `${prefix}.${f}`;
    return new LatheError(this.code, this.message, this.hint, { field: this.field && at(this.field), issues: this.issues?.map((i) => ({ ...i, field: at(i.field) })) });
  }

  toJSON(): ApiErrorShape {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}), ...(this.field ? { field: this.field } : {}), ...(this.issues ? { issues: this.issues } : {}) };
  }

  /** A LatheError again from its wire shape (an error the engine host sent), keeping the field it is about. */
  static from(e: ApiErrorShape): LatheError {
    return new LatheError(e.code, e.message, e.hint, { field: e.field, issues: e.issues });
  }
}

/** Turns anything thrown into the wire shape; unknown errors keep their message but never their stack. */
export function toApiError(err: unknown): ApiErrorShape {
  if (err instanceof LatheError) return err.toJSON();
  const e = err as { code?: unknown; message?: unknown; hint?: unknown } | null;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string') {
    const f = (e as { field?: unknown }).field;
    return { code: e.code, message: e.message, ...(typeof e.hint === 'string' ? { hint: e.hint } : {}), ...(typeof f === 'string' ? { field: f } : {}) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message, hint: 'This is a bug in Lathe; the log has details.' };
}
