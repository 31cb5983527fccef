// Packed training rows: two documents in one row (positions restarting, attention kept within each document) give the
// same log-probs and the same LoRA gradients as the documents trained as separate rows.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALL_LORA_TARGETS, openEngine, type Engine, type EngineModel } from '../../main/engine/engine';
import { makeTiny, randomizeLoraB } from './tiny';
import { loraOf } from '../helpers/engine-options';

const ROOT = join(process.cwd(), 'test', '.tmp', `engine-packing-${process.pid}`);
let engine: Engine;
let dir: string;

beforeAll(() => {
  engine = openEngine({ threads: 2 });
  dir = makeTiny(join(ROOT, 'llama'), { arch: 'llama', seed: 21, hidden: 32, intermediate: 48, vocab: 64 }).dir;
});
afterAll(() => undefined);

async function model(): Promise<EngineModel> {
  const m = await engine.loadModel(dir, { quant: 'none', maxSeqLen: 32, lora: loraOf({ r: 4, alpha: 8, targets: ALL_LORA_TARGETS, seed: 3 }) });
  // Non-zero B (as after training), so the adapter changes the log-probs and A gets gradients.
  randomizeLoraB(m, 5);
  return m;
}

const A = [3, 17, 5, 60, 41, 8];
const B = [33, 12, 30, 2, 50];
const T = 12;

describe('packing in the engine', () => {
  test('a packed row equals the same documents as separate padded rows: log-probs and gradients', async () => {
    // Separate rows, padded to T with target -1.
    const sepTokens = new Array(2 * T).fill(0);
    const sepTargets = new Array(2 * T).fill(-1);
    A.forEach((t, i) => { sepTokens[i] = t; if (i + 1 < A.length) sepTargets[i] = A[i + 1]; });
    B.forEach((t, i) => { sepTokens[T + i] = t; if (i + 1 < B.length) sepTargets[T + i] = B[i + 1]; });
    // One packed row: A then B then padding; positions restart; segments -1 on padding.
    const packTokens = [...A, ...B, 0];
    const packTargets = [...A.slice(1), -1, ...B.slice(1), -1, -1];
    const positions = [...A.map((_, i) => i), ...B.map((_, i) => i), 0];
    const segments = [...A.map(() => 0), ...B.map(() => 1), -1];

    const sep = await model();
    const lpSep = await sep.forward({ tokens: sepTokens, targets: sepTargets, batch: 2 });
    const seedsSep = new Float32Array(lpSep.length).map((_, i) => (sepTargets[i] >= 0 ? -1 : 0));
    await sep.backward(seedsSep);

    const pack = await model();
    const lpPack = await pack.forward({ tokens: packTokens, targets: packTargets, batch: 1, positions, segments });
    const seedsPack = new Float32Array(lpPack.length).map((_, i) => (packTargets[i] >= 0 ? -1 : 0));
    await pack.backward(seedsPack);

    const expected = [...Array.from(lpSep.slice(0, A.length - 1)), ...Array.from(lpSep.slice(T, T + B.length - 1))];
    const got = [...Array.from(lpPack.slice(0, A.length - 1)), ...Array.from(lpPack.slice(A.length, A.length + B.length - 1))];
    for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i], 5);
    for (const mod of ALL_LORA_TARGETS) {
      const gs = sep.loraTensor(1, mod, 'dB');
      const gp = pack.loraTensor(1, mod, 'dB');
      const scale = Math.max(...Array.from(gs, Math.abs));
      for (let i = 0; i < gs.length; i++) expect(Math.abs(gp[i] - gs[i])).toBeLessThan(1e-4 * scale + 1e-6);
    }
    // Without segments, document B would see document A: the numbers must differ (the test can fail).
    const leak = await model();
    const lpLeak = await leak.forward({ tokens: packTokens, targets: packTargets, batch: 1, positions });
    expect(Math.abs(lpLeak[A.length + 1] - got[A.length])).toBeGreaterThan(1e-4);
    await Promise.all([sep.close(), pack.close(), leak.close()]);
  });

  test('refuses positions outside the row', async () => {
    const m = await model();
    await expect(m.forward({ tokens: [1, 2, 3], targets: [2, 3, -1], batch: 1, positions: [0, 1, 7] })).rejects.toMatchObject({ code: 'bad_positions' });
    await m.close();
  });
});
