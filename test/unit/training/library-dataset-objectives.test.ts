// KTO and GRPO train from imported (library) datasets: their labels and answers live in the rows, so they read the
// raw file the import kept, and every row arrives with its label / answer (before, such a folder was refused).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetDir, importDataset } from '../../../main/data/store';
import { loadTrainingData } from '../../../main/host/trainer/training-data';
import { openLibraryDb } from '../../../main/library/db';
import { ProjectsRepo } from '../../../main/library/projects-repo';
import { ensureLibraryFolders, libraryPaths } from '../../../main/library/paths';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { tempDir } from '../../helpers/temp-dir';
import { tinyModel } from '../../helpers/tiny-model';

const root = tempDir('lathe-lib-objectives-');

async function imported(name: string, rows: object[]): Promise<string> {
  const paths = libraryPaths(join(root, 'library'));
  ensureLibraryFolders(paths);
  const db = openLibraryDb(paths.database);
  const file = join(root, `${name}.jsonl`);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const project = new ProjectsRepo(db).create(name);
  const { dataset } = await importDataset(db, paths, file, { projectId: project.id });
  db.close();
  return datasetDir(paths, dataset.id);
}

describe('objectives that read rows, from an imported dataset', () => {
  it('kto: every row with its desirable/undesirable label', async () => {
    const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const rows = Array.from({ length: 12 }, (_, i) => ({ prompt: `question ${i}`, completion: `answer ${i}`, label: i % 3 !== 0 }));
    const dir = await imported('kto', rows);
    const config = resolveTrainingConfig({ model, dataset: dir, objective: 'kto', seqLen: 64, microBatch: 2, gradAccum: 1, validationFraction: 0.25 });
    const data = await loadTrainingData(config, '', () => {});
    const all = [...data.train, ...data.validation];
    expect(all).toHaveLength(12);
    expect(all.filter((e) => e.label === true)).toHaveLength(8);
    expect(all.filter((e) => e.label === false)).toHaveLength(4);
  });

  it('grpo: every prompt with its answer', async () => {
    const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const rows = Array.from({ length: 10 }, (_, i) => ({ prompt: `What is ${i} + ${i}?`, answer: String(2 * i) }));
    const dir = await imported('grpo', rows);
    const config = resolveTrainingConfig({ model, dataset: dir, objective: 'grpo', seqLen: 64, microBatch: 2, gradAccum: 1, validationFraction: 0.2 });
    const data = await loadTrainingData(config, '', () => {});
    const answers = [...data.train, ...data.validation].map((e) => e.answer).sort((a, b) => Number(a) - Number(b));
    expect(answers).toEqual(rows.map((r) => r.answer));
  });

  it('a plain folder that is not an imported dataset is still a clear error', async () => {
    const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const config = resolveTrainingConfig({ model, dataset: root, objective: 'kto', seqLen: 64, microBatch: 2, gradAccum: 1 });
    await expect(loadTrainingData(config, '', () => {})).rejects.toMatchObject({ code: 'data.objectiveMismatch', message: expect.stringContaining('reads its rows from one file') });
  });
});
