// The small argument schemas every API file uses: ids, user-visible names and local paths (one definition each).
import { z } from 'zod';

/** A user-visible name: trimmed, 1..120 characters, no control characters. */
export const Name = z
  .string()
  .max(120, 'must be at most 120 characters')
  .transform((s) => s.trim())
  .refine((s) => s.length > 0, 'must not be empty')
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

export const Id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'is not a valid id');

/** A path on the machine running Lathe (web mode: the server's disk), as typed or picked by the user. */
export const LocalPath = z
  .string()
  .min(1, 'must not be empty')
  .max(4096, 'must be at most 4096 characters')
  .refine((s) => !s.includes('\0'), 'must not contain NUL characters');
