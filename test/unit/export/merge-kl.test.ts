// Merge-quality KL: zero when training ran on the unquantized base (the merged model is the same function), positive
// and small for an NF4 base, and larger for a merged model that dropped the adapter.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportMergedFolder } from '../../../main/export/merged-folder';
import { klRowsFromExamples, measureMergeKL } from '../../../main/export/merge-kl';
import { readPeftAdapter } from '../../../main/export/peft-adapter';
import { writeTinyAdapter } from '../../helpers/tiny-adapter';
import { tempDir } from '../../helpers/temp-dir';
import { tinyModel } from '../../helpers/tiny-model';
import { openEngine } from '../../../main/engine/engine';
import { quantizedBaseWeights } from '../../../main/export/nf4-base';

const tmp = tempDir('lathe-kl-');

describe('measureMergeKL', () => {
  it('≈ 0 for an f32 base, > 0 for NF4, and much larger against the base without the adapter', async () => {
    const base = await tinyModel({ arch: 'llama', tokenizer: 'synthetic', hidden: 128, intermediate: 256 });
    const adapterDir = await writeTinyAdapter(base, join(tmp, 'a'), { r: 4, std: 0.2 });
    const merged = join(tmp, 'merged');
    await exportMergedFolder(base, await readPeftAdapter(adapterDir), merged, { dtype: 'f32' });
    const rows = klRowsFromExamples([
      { ids: [1, 40, 41, 42, 43, 44, 45, 46], weights: [0, 0, 0, 0, 1, 1, 1, 1] },
      { ids: [1, 300, 301, 302, 303], weights: [0, 0, 0, 1, 1] },
    ]);
    expect(rows.map((r) => r.promptLen)).toEqual([4, 3]);
    const common = { baseDir: base, adapterDir, rows, sampleTokens: 12, threads: 2 };
    const none = await measureMergeKL({ ...common, quant: 'none', mergedDir: merged });
    const nf4 = await measureMergeKL({ ...common, quant: 'nf4', mergedDir: merged });
    const wrong = await measureMergeKL({ ...common, quant: 'none', mergedDir: base });
    console.log('merge KL per token:', { none: none.kl, nf4: nf4.kl, withoutAdapter: wrong.kl, tokens: nf4.tokens });
    expect(none.tokens).toBe(24);
    expect(Math.abs(none.kl)).toBeLessThan(1e-4);
    expect(nf4.kl).toBeGreaterThan(1e-4);
    // k3 per token on this tiny random model: none ~1e-12, nf4 ~0.14, without the adapter ~0.63.
    expect(wrong.kl).toBeGreaterThan(3 * nf4.kl);

    // The alternative: merge into the dequantized NF4 weights the adapter was trained on; then the merged model is
    // the adapter-on-NF4 model (up to f32 rounding), and the KL vanishes.
    const q = await openEngine({ threads: 2 }).loadModel(base, { quant: 'nf4', maxSeqLen: 16 });
    const intoNf4 = join(tmp, 'merged-nf4');
    try {
      await exportMergedFolder(base, await readPeftAdapter(adapterDir), intoNf4, { dtype: 'f32', baseWeights: quantizedBaseWeights(q) });
    } finally {
      await q.close();
    }
    const alt = await measureMergeKL({ ...common, quant: 'nf4', mergedDir: intoNf4 });
    console.log('merge KL into the dequantized NF4 base:', alt.kl);
    expect(Math.abs(alt.kl)).toBeLessThan(1e-4);
  });
});
