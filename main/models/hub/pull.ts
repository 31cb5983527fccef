// `model pull`: fetches the files a run needs from one hub revision into a staging folder under
// <library>/models/.downloads, verifies each, then publishes the folder by rename and records it in the library.
// Cancel deletes the staging folder; an app exit (signal reason 'shutdown') or a crash keeps it, so the next pull of the
// same revision resumes with range requests.
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LatheError } from '../../api/errors';
import type { LibraryModel, ModelsRepo } from '../../library/models-repo';
import { describeFolder, hashFiles, libraryFolderName } from '../library';
import { readModelDir } from '../model-dir';
import { authHeaders, fetchRepoInfo, type HubFile } from './api';
import { downloadFile } from './download-file';
import { isNeededFile, isPickle } from './select';
import type { PullProgress } from '../../api/model-library-types';
export type { PullProgress };

export interface PullOptions {
  repo: string;
  revision: string;
  endpoint: string;
  token?: string | null;
  modelsDir: string;
  models: ModelsRepo;
  signal?: AbortSignal;
  onProgress?: (p: PullProgress) => void;
  /** Minimum milliseconds between progress reports (the last one is always sent). */
  progressEveryMs?: number;
  fetchImpl?: typeof fetch;
}

export const DOWNLOADS_DIR = '.downloads';

export function stagingDir(modelsDir: string, repo: string, commit: string): string {
  return join(modelsDir, DOWNLOADS_DIR, `${repo.replace('/', '--')}@${commit}`);
}

/** Pulls (or resumes) one revision; returns the library model (the existing one when that commit is already there). */
export async function pullModel(opts: PullOptions): Promise<LibraryModel> {
  const client = { endpoint: opts.endpoint, token: opts.token, signal: opts.signal, fetchImpl: opts.fetchImpl };
  const info = await fetchRepoInfo(opts.repo, opts.revision, client);
  const existing = opts.models.findByHub(opts.repo, info.commit);
  if (existing && existsSync(existing.dir)) return existing;
  const files = info.files.filter((f) => isNeededFile(f.name));
  const names = new Set(files.map((f) => f.name));
  if (!names.has('config.json') || ![...names].some((n) => n.endsWith('.safetensors'))) {
    const pickles = info.files.filter((f) => isPickle(f.name)).map((f) => f.name);
    throw new LatheError('hub.noSafetensors', `${opts.repo}@${opts.revision} has no ${names.has('config.json') ? 'safetensors weights' : 'config.json'}${pickles.length ? ` (only pickle files: ${pickles.slice(0, 3).join(', ')})` : ''}.`,
      pickles.length ? 'Lathe never loads pickle files (they can run code). Look for a safetensors version of this model on the hub.' : 'Pick a repo that holds a Hugging Face transformers model (config.json + *.safetensors).');
  }
  const staging = stagingDir(opts.modelsDir, opts.repo, info.commit);
  await mkdir(staging, { recursive: true });
  const release = await lockStaging(staging, opts.repo);
  try {
    return await fetchInto(opts, info, files, staging);
  } finally {
    await release();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One writer per staging folder, across processes (the app and the CLI): a lock file holding the writer's pid. */
async function lockStaging(staging: string, repo: string): Promise<() => Promise<void>> {
  const file = `${staging}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const pid = Number(await readFile(file, 'utf8').catch(() => ''));
      if (pid && alive(pid)) {
        throw new LatheError('hub.busy', `${repo} is already being downloaded${pid === process.pid ? '' : ` by another Lathe process (pid ${pid})`}.`, 'Wait for that download to finish, or stop it; pulling again then resumes from what it fetched.');
      }
      await rm(file, { force: true }); // left by a process that is gone: take it over
    }
  }
}

async function fetchInto(opts: PullOptions, info: { commit: string; license: string | null }, files: HubFile[], staging: string): Promise<LibraryModel> {
  const totalBytes = files.reduce((a, f) => a + Math.max(0, f.size), 0);
  let bytes = 0;
  const present = new Set(await readdir(staging));
  const started = Date.now();
  let startBytes = -1;
  let lastReport = 0;
  let filesDone = 0;
  let current = '';
  const report = (force = false) => {
    const now = Date.now();
    if (!force && now - lastReport < (opts.progressEveryMs ?? 250)) return;
    lastReport = now;
    const seconds = (now - started) / 1000;
    // Speed counts only this session's bytes (what was on disk already arrived at another time).
    const fetched = startBytes < 0 ? 0 : bytes - startBytes;
    const bytesPerSecond = seconds > 0.2 ? fetched / seconds : 0;
    opts.onProgress?.({ repo: opts.repo, file: current, bytes, totalBytes, bytesPerSecond, etaSeconds: bytesPerSecond > 0 ? (totalBytes - bytes) / bytesPerSecond : null, filesDone, filesTotal: files.length });
  };
  try {
    // Bytes already on disk (finished files and parts) count as done, so a resumed pull's progress starts where it was.
    for (const f of files) {
      if (present.has(f.name)) bytes += Math.max(0, f.size);
      else if (present.has(`${f.name}.part`)) bytes += (await stat(join(staging, `${f.name}.part`))).size;
    }
    startBytes = bytes;
    for (const f of files) {
      current = f.name;
      if (present.has(f.name)) {
        filesDone++;
        continue;
      }
      report(true);
      await downloadFile({
        url: `${opts.endpoint}/${opts.repo}/resolve/${encodeURIComponent(info.commit)}/${f.name}`,
        dest: join(staging, f.name),
        file: f,
        endpoint: opts.endpoint,
        repo: opts.repo,
        headers: authHeaders(opts.token),
        signal: opts.signal,
        fetchImpl: opts.fetchImpl,
        onBytes: (n) => {
          bytes += n;
          report();
        },
      });
      filesDone++;
    }
    report(true);
    return await publish(opts, info.commit, staging, files, info.license);
  } catch (err) {
    // Cancel leaves nothing behind; an app shutdown keeps the staging folder so the next start resumes it.
    if (opts.signal?.aborted && opts.signal.reason !== 'shutdown') await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

async function publish(opts: PullOptions, commit: string, staging: string, files: HubFile[], license: string | null): Promise<LibraryModel> {
  const summary = await readModelDir(staging);
  const dest = join(opts.modelsDir, libraryFolderName(opts.modelsDir, `${opts.repo.replace('/', '--')}-${commit.slice(0, 7)}`));
  // LFS files were verified against their sha256 while downloading; small git files are hashed here (cheap).
  const small = await hashFiles(staging, files.filter((f) => !f.sha256).map((f) => f.name));
  const records = [...small, ...files.filter((f) => f.sha256).map((f) => ({ name: f.name, size: f.size, sha256: f.sha256! }))].sort((a, b) => (a.name < b.name ? -1 : 1));
  await rename(staging, dest);
  const described = await describeFolder(dest, { ...summary, dir: dest }, {
    name: opts.repo,
    source: { kind: 'hub', repo: opts.repo, revision: opts.revision, commit },
    linked: false,
    files: records,
    ...(license ? { license } : {}),
  });
  return opts.models.add(described);
}

/** Partial downloads left by an exit or a crash (resumed by pulling the same repo again). */
export async function partialDownloads(modelsDir: string): Promise<{ repo: string; commit: string }[]> {
  let names: string[];
  try {
    names = await readdir(join(modelsDir, DOWNLOADS_DIR));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const m = /^(.+?)--(.+)@([0-9a-f]{7,64})$/.exec(n);
    return m ? [{ repo: `${m[1]}/${m[2]}`, commit: m[3] }] : [];
  });
}
