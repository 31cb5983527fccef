// Words for a schema violation, about the field, never the validator's own phrasing ("Too small: expected string to
// have >=1 characters" becomes "is required"). Used by every front door (API dispatch, training config files).
import type { z } from 'zod';

const list = (xs: readonly unknown[]) => xs.map((x) => JSON.stringify(x)).join(', ');

/** zod's own phrasings (a schema's custom message, e.g. "Name must be at most 120 characters", is kept as written). */
const VALIDATOR_TEXT = /^(Too (big|small)|Invalid |Unrecognized key|Expected )/;

export function issueText(issue: z.core.$ZodIssue): string {
  if (!VALIDATOR_TEXT.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      // zod reports a missing key as an invalid type whose input is undefined.
      return /received undefined/.test(issue.message) ? 'is required' : `must be ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
    case 'too_small': {
      const n = Number(issue.minimum);
      if (issue.origin === 'string') return n <= 1 ? 'is required (it is empty)' : `must have at least ${n} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return n <= 1 ? 'needs at least one entry' : `needs at least ${n} entries`;
      return issue.inclusive === false ? `must be greater than ${n}` : `must be at least ${n}`;
    }
    case 'too_big': {
      const n = Number(issue.maximum);
      if (issue.origin === 'string') return `must have at most ${n} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at most ${n} entries`;
      return issue.inclusive === false ? `must be less than ${n}` : `must be at most ${n}`;
    }
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${list(issue.values)}` : `must be one of ${list(issue.values)}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'is not in the expected form' : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `has unknown key${issue.keys.length > 1 ? 's' : ''} ${list(issue.keys)}`;
    case 'invalid_union':
      return 'does not match any accepted form';
    case 'invalid_key':
      // A record's key broke its rule (e.g. columnMap's field names): the key's own issue says how.
      return issue.issues.length ? `is not an accepted name: ${issueText(issue.issues[0])}` : 'is not an accepted name';
    default:
      return issue.message;  // custom rules already speak about the field
  }
}
