// The duplicate set: remembers the first line of each content, survives growth, and tells different content apart.
import { describe, expect, it } from 'vitest';
import { DedupSet } from '../../../main/data/dedup';

describe('DedupSet', () => {
  it('returns the first line of a repeated key across many resizes', () => {
    const d = new DedupSet(4);
    for (let i = 0; i < 50_000; i++) expect(d.add(`row ${i}`, i + 1)).toBe(-1);
    expect(d.size).toBe(50_000);
    expect(d.add('row 0', 99)).toBe(1);
    expect(d.add('row 49999', 99)).toBe(50_000);
    expect(d.add('row 50000', 99)).toBe(-1);
  });
});
