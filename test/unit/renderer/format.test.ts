// Display helpers of the renderer: relative times, initials and stable avatar hues.
import { describe, expect, it } from 'vitest';
import { hueOf, initials, relativeTime } from '../../../renderer/src/format';
import { toApiError } from '../../../renderer/src/api/errors';

describe('relativeTime', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');
  it('says "just now" within 45 seconds', () => {
    expect(relativeTime('2025-06-01T11:59:30Z', now)).toBe('just now');
  });
  it('uses the largest fitting unit', () => {
    expect(relativeTime('2025-06-01T11:55:00Z', now)).toMatch(/5 minutes ago/);
    expect(relativeTime('2025-06-01T09:00:00Z', now)).toMatch(/3 hours ago/);
    expect(relativeTime('2025-05-31T12:00:00Z', now)).toMatch(/yesterday|1 day ago/);
  });
  it('returns "" for a malformed timestamp', () => {
    expect(relativeTime('not a date', now)).toBe('');
  });
});

describe('initials', () => {
  it('takes the first letters of two words, or the first two letters of one', () => {
    expect(initials('Support assistant')).toBe('SA');
    expect(initials('legal')).toBe('LE');
    expect(initials('sql-helper_v2')).toBe('SH');
  });
  it('does not split characters outside the BMP', () => {
    expect(initials('🦙 llama')).toBe('🦙L');
    expect(initials('   ')).toBe('?');
  });
});

describe('hueOf', () => {
  it('is stable and in range', () => {
    expect(hueOf('abc')).toBe(hueOf('abc'));
    for (const id of ['a', 'support-assistant-1a2b', 'z'.repeat(64)]) {
      expect(hueOf(id)).toBeGreaterThanOrEqual(0);
      expect(hueOf(id)).toBeLessThan(360);
    }
  });
});

describe('toApiError', () => {
  it('keeps code, message and hint of an error that crossed a transport', () => {
    expect(toApiError({ code: 'x.y', message: 'bad', hint: 'fix' })).toMatchObject({ code: 'x.y', message: 'bad', hint: 'fix' });
  });
  it('strips Electron’s "Error invoking remote method" prefix', () => {
    const e = toApiError(new Error("Error invoking remote method 'lathe:call': Error: name must not be empty"));
    expect(e.message).toBe('name must not be empty');
    expect(e.code).toBe('internal');
  });
  it('wraps anything else', () => {
    expect(toApiError('boom')).toMatchObject({ code: 'internal', message: 'boom' });
  });
});
