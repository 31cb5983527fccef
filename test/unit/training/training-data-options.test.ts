// The Data step's per-turn options reach training: trainOnEos off stops training the end-of-turn tokens, turns-marked
// trains only the messages marked train: true (the same tokenizer code as data inspect, so the counts agree).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrainingData } from '../../../main/host/trainer/training-data';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { tempDir } from '../../helpers/temp-dir';
import { tinyModel } from '../../helpers/tiny-model';
import { loadTokenizer } from '../../../main/models/tokenizer';

const root = tempDir('lathe-data-options-');
const supervised = (xs: { weights: ArrayLike<number> }[]) => xs.reduce((s, x) => s + Array.from(x.weights).reduce((a, b) => a + b, 0), 0);

describe('training data options from the Data step', () => {
  it('trainOnEos and turns-marked change exactly the supervised tokens', async () => {
    const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const file = join(root, 'chat.jsonl');
    const rows = Array.from({ length: 10 }, (_, i) => ({
      messages: [
        { role: 'user', content: `hello ${i}` },
        { role: 'assistant', content: `first answer ${i}`, train: false },
        { role: 'user', content: 'and?' },
        { role: 'assistant', content: `second answer ${i}`, train: true },
      ],
    }));
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const base = { model, dataset: file, seqLen: 128, microBatch: 1, gradAccum: 1, validationFraction: 0 };
    const all = async (over: object) => {
      const d = await loadTrainingData(resolveTrainingConfig({ ...base, ...over }), '', () => {});
      return [...d.train, ...d.validation];
    };
    const withEos = supervised(await all({}));
    const noEos = supervised(await all({ trainOnEos: false }));
    // One end-of-turn token less per trained turn: the message marked train: false is not trained by default either.
    expect(withEos - noEos).toBe(10);
    const marked = supervised(await all({ lossMask: 'turns-marked' }));
    expect(marked).toBe(withEos);
    expect(supervised(await all({ lossMask: 'all' }))).toBeGreaterThan(withEos);
  });

  it('columnMap reads a file whose message list, keys and role names differ (nested mapping in the run config)', async () => {
    const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const file = join(root, 'custom.jsonl');
    const rows = Array.from({ length: 6 }, (_, i) => ({ dialog: [{ speaker: 'human', text: `ping ${i}` }, { speaker: 'bot', text: `pong ${i}` }] }));
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const columnMap = { messages: 'dialog', role: 'speaker', content: 'text', 'role.user': 'human', 'role.assistant': 'bot' };
    const d = await loadTrainingData(resolveTrainingConfig({ model, dataset: file, seqLen: 128, validationFraction: 0, columnMap }), '', () => {});
    expect(d.train).toHaveLength(6);
    const tokenizer = await loadTokenizer(model);
    const trained = tokenizer.decode(Array.from(d.train[0].ids).filter((_, i) => d.train[0].weights[i]));
    expect(trained).toMatch(/^pong 0/);
    // Without the mapping the file is not a dataset Lathe recognises: every row is left out, and the run says so.
    await expect(loadTrainingData(resolveTrainingConfig({ model, dataset: file, seqLen: 128, validationFraction: 0 }), '', () => {})).rejects.toThrow();
    expect(() => resolveTrainingConfig({ model, dataset: file, columnMap: { speaker: 'x' } })).toThrow(/columnMap\.speaker.*not a field Lathe maps/);
  });
});
