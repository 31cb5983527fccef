// A run on a mixture: each dataset is loaded with its own template and split, and every epoch holds exactly the
// weighted shares (within 2% asked by the issue; exact by construction), with each dataset's report in the run folder.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchSource } from '../../../main/host/trainer/batches';
import { loadTrainingData } from '../../../main/host/trainer/training-data';
import { loadTokenizer } from '../../../main/models/tokenizer';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { tempDir } from '../../helpers/temp-dir';
import { tinyModel } from '../../helpers/tiny-model';

const root = tempDir('lathe-mixture-run-');

function chatFile(name: string, n: number, tag: string): string {
  const file = join(root, name);
  writeFileSync(file, Array.from({ length: n }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `${tag} question ${i}` }, { role: 'assistant', content: `${tag} answer ${i}` }] })).join('\n') + '\n');
  return file;
}

describe('mixture runs', () => {
  it('holds each dataset to its weighted share of every epoch, with its own template, split and report', async () => {
    const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const tokenizer = await loadTokenizer(model);
    const small = chatFile('small.jsonl', 12, 'alpha');
    const large = chatFile('large.jsonl', 60, 'beta');
    const runDir = join(root, 'run');
    mkdirSync(runDir, { recursive: true });
    const config = resolveTrainingConfig({
      model, dataset: small, datasetWeight: 3, mixture: [{ dataset: large, weight: 1, chatTemplate: 'alpaca' }],
      seqLen: 256, validationFraction: 0.25, microBatch: 1, gradAccum: 1,
    });
    const log: string[] = [];
    const data = await loadTrainingData(config, runDir, (m) => log.push(m));
    const source = (x: { ids: ArrayLike<number> }) => {
      const text = tokenizer.decode(Array.from(x.ids));
      return text.includes('alpha') ? 'small' : text.includes('beta') ? 'large' : '?';
    };
    // 9 + 45 training examples after each dataset's own 25% split; the epoch keeps the total (54) at 3:1.
    expect(data.train).toHaveLength(54);
    const shares = (xs: { ids: ArrayLike<number> }[]) => xs.reduce((c, x) => ({ ...c, [source(x)]: (c[source(x)] ?? 0) + 1 }), {} as Record<string, number>);
    expect(shares(data.train)).toEqual({ small: 41, large: 13 });
    // Each dataset's own template: the large one is rendered as Alpaca, the small one with the model's ChatML.
    const large0 = data.train.find((x) => source(x) === 'large')!;
    expect(tokenizer.decode(Array.from(large0.ids))).toContain('### Instruction:');
    expect(tokenizer.decode(Array.from(data.train.find((x) => source(x) === 'small')!.ids))).toContain('<|im_start|>user');
    // Validation keeps each dataset's held-out rows, unweighted.
    expect(shares(data.validation)).toEqual({ small: 3, large: 15 });
    // Over a shuffled epoch of the batch source, the shares asked (75% / 25%) hold within 2%.
    const batches = new BatchSource(data.train, { seqLen: 256, microBatch: 1, packing: false, seed: 42, shuffle: true, padId: 0 });
    const seen: Record<string, number> = {};
    let cursor = { epoch: 1, index: 0 };
    for (let i = 0; i < batches.microBatchesPerEpoch(); i++) {
      const { micro, cursor: next } = batches.next(cursor);
      cursor = next;
      const s = source({ ids: micro.batch.tokens });
      seen[s] = (seen[s] ?? 0) + 1;
    }
    expect(Math.abs(seen.small / 54 - 0.75)).toBeLessThan(0.02);
    expect(Math.abs(seen.large / 54 - 0.25)).toBeLessThan(0.02);
    expect(log.join('\n')).toContain('mixture of 2 datasets, 54 examples per epoch');
    expect(log.join('\n')).toMatch(/small\.jsonl: weight 3 -> 75\.9% of the epoch \(asked 75\.0%\)/);
    const report = JSON.parse(readFileSync(join(runDir, 'mixture.json'), 'utf8')) as { shares: { examples: number }[] };
    expect(report.shares.map((s) => s.examples)).toEqual([41, 13]);
    expect(existsSync(join(runDir, 'data-report.json'))).toBe(true);
    expect(existsSync(join(runDir, 'data-report-2.json'))).toBe(true);
  });

  it('refuses a mixture entry with a bad weight or an unknown key, naming it', () => {
    expect(() => resolveTrainingConfig({ model: 'm', dataset: 'd', mixture: [{ dataset: 'x', weight: 0 }] })).toThrow(/mixture\.0\.weight/);
    expect(() => resolveTrainingConfig({ model: 'm', dataset: 'd', mixture: [{ dataset: 'x', share: 2 }] })).toThrow(/share/);
  });
});
