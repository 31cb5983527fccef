// Schema violations read as words about the field, never as the validator's phrasing, at the API's front door and in
// training config files.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { issueText } from '../../../main/api/issue-text';
import { resolveTrainingConfig } from '../../../main/api/training-config';

const first = (schema: z.ZodType, value: unknown) => {
  const r = schema.safeParse(value);
  if (r.success) throw new Error('expected a violation');
  return issueText(r.error.issues[0]);
};

describe('issueText', () => {
  it('says what is wrong in plain words', () => {
    expect(first(z.object({ a: z.string() }), {})).toBe('is required');
    expect(first(z.string().min(1), '')).toBe('is required (it is empty)');
    expect(first(z.number().min(1), 0)).toBe('must be at least 1');
    expect(first(z.number().positive(), 0)).toBe('must be greater than 0');
    expect(first(z.number().max(512), 600)).toBe('must be at most 512');
    expect(first(z.number(), 'fast')).toBe('must be a number');
    expect(first(z.enum(['nf4', 'int8']), 'q4')).toBe('must be one of "nf4", "int8"');
    expect(first(z.array(z.string()).min(1), [])).toBe('needs at least one entry');
    expect(first(z.string().regex(/^a+$/), 'b')).toBe('is not in the expected form');
    expect(first(z.object({}).strict(), { x: 1 })).toBe('has unknown key "x"');
  });

  it('training config errors name the key with those words, no validator text', () => {
    expect(() => resolveTrainingConfig({ model: 'm', dataset: 'd', loraR: 0 })).toThrow(/loraR: must be at least 1/);
    expect(() => resolveTrainingConfig({ model: 'm', dataset: '' })).toThrow(/dataset: is required \(it is empty\)/);
    try {
      resolveTrainingConfig({ model: 'm', dataset: 'd', quant: 'q4', seqLen: 'long' });
    } catch (err) {
      expect((err as Error).message).not.toMatch(/Too small|Too big|Invalid input|expected .* received/);
    }
  });
});
