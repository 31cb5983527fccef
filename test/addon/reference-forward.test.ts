// The native trainable's reference pass (adapter off, through the scoring path) gives the same per-position log-probs
// as a training forward with a no-op adapter, on padded rows of different lengths, and ignores a trained adapter.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_LORA_TARGETS } from '../../main/engine/engine';
import { createNativeTrainable } from '../../main/host/trainer/native-model';
import { resolveTrainingConfig } from '../../main/api/training-config';
import { makeTiny } from './tiny';

const ROOT = join(process.cwd(), 'test', '.tmp', `reference-forward-${process.pid}`);

describe('native reference forward', () => {
  it('matches the adapter-on forward of a fresh adapter and stays put when the adapter changes', async () => {
    const dir = makeTiny(join(ROOT, 'm'), { arch: 'llama', seed: 5, hidden: 32, intermediate: 48, vocab: 64 }).dir;
    const config = resolveTrainingConfig({ model: dir, dataset: 'x', objective: 'dpo', quant: 'none', seqLen: 16, microBatch: 1, loraR: 4, loraAlpha: 8, threads: 2 });
    const m = await createNativeTrainable(config);
    try {
      // Two padded rows: 9 and 16 real tokens (the second uses its 17th token as the last target, as BatchSource does).
      const T = 16;
      const rowA = [3, 17, 5, 60, 41, 8, 33, 12, 30];
      const rowB = Array.from({ length: T + 1 }, (_, i) => (i * 7 + 3) % 64);
      const tokens = new Int32Array(2 * T);
      const targets = new Int32Array(2 * T).fill(-1);
      rowA.forEach((t, i) => { tokens[i] = t; if (i + 1 < rowA.length) targets[i] = rowA[i + 1]; });
      for (let i = 0; i < T; i++) { tokens[T + i] = rowB[i]; targets[T + i] = rowB[i + 1]; }
      const batch = { batch: 2, seqLen: T, tokens, targets };
      const ref = await m.forward(batch, { adapter: false, keepForBackward: false });
      const on = await m.forward(batch, { adapter: true, keepForBackward: false });
      for (let i = 0; i < ref.length; i++) {
        if (targets[i] < 0) expect(ref[i]).toBe(0);
        else expect(ref[i]).toBeCloseTo(on[i], 4);
      }
      for (const mod of ALL_LORA_TARGETS) m.model.setLoraTensor(0, mod, 'B', new Float32Array(m.model.loraTensor(0, mod, 'B').length).fill(0.3));
      const trained = await m.forward(batch, { adapter: true, keepForBackward: false });
      const again = await m.forward(batch, { adapter: false, keepForBackward: false });
      expect(Math.max(...trained.map((x, i) => Math.abs(x - on[i])))).toBeGreaterThan(1e-3);
      expect([...again]).toEqual([...ref]);
    } finally {
      await m.close();
    }
  });
});
