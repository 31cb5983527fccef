// model info checks tokenizer.json (parses, has a vocabulary, every id fits config.json's vocab_size), and a run's
// inputs are checked before its folder exists: a broken tokenizer or a missing dataset names the file and key.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelDir } from '../../../main/models/model-dir';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { validateRunInputs } from '../../../main/runs/validate-inputs';
import { tinyModel } from '../../helpers/tiny-model';

let tmp = '';
let good = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lathe-tok-'));
  good = await tinyModel({ arch: 'llama', tokenizer: 'synthetic', hidden: 32, heads: 2, kvHeads: 1, layers: 1, intermediate: 64 });
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function variant(name: string, edit: (tok: string) => string): Promise<string> {
  const dir = join(tmp, name);
  await cp(good, dir, { recursive: true });
  const file = join(dir, 'tokenizer.json');
  await writeFile(file, edit(await readFile(file, 'utf8')));
  return dir;
}

describe('tokenizer.json check', () => {
  it('accepts a tokenizer that fits its model', async () => {
    expect((await readModelDir(good)).hasTokenizer).toBe(true);
  });

  it('refuses one that does not parse, naming the file', async () => {
    const dir = await variant('torn', (t) => t.slice(0, t.length / 2));
    await expect(readModelDir(dir)).rejects.toMatchObject({ code: 'model_tokenizer_invalid', message: expect.stringContaining(join(dir, 'tokenizer.json')) });
  });

  it('refuses ids past config.json vocab_size, and a vocabulary that is missing', async () => {
    const big = await variant('big', (t) => {
      const j = JSON.parse(t);
      j.added_tokens = [...(j.added_tokens ?? []), { id: 4096, content: '<extra>', special: true }];
      return JSON.stringify(j);
    });
    await expect(readModelDir(big)).rejects.toMatchObject({ code: 'model_tokenizer_mismatch', message: expect.stringMatching(/token id 4096 does not fit config.json's vocab_size 512/) });
    const none = await variant('novocab', (t) => {
      const j = JSON.parse(t);
      delete j.model.vocab;
      return JSON.stringify(j);
    });
    await expect(readModelDir(none)).rejects.toMatchObject({ code: 'model_tokenizer_invalid', message: expect.stringContaining('"model.vocab" is missing') });
  });

  it('a run with a missing dataset or a broken tokenizer is refused before it is created', async () => {
    const base = { dataset: join(tmp, 'missing.jsonl'), maxSteps: 2, warmupSteps: 0 };
    await expect(validateRunInputs(resolveTrainingConfig({ ...base, model: good }))).rejects.toMatchObject({ code: 'data.notFound', message: expect.stringContaining('config key "dataset"') });
    const torn = join(tmp, 'torn');
    await expect(validateRunInputs(resolveTrainingConfig({ ...base, model: torn }))).rejects.toMatchObject({ code: 'model_tokenizer_invalid' });
  });
});
