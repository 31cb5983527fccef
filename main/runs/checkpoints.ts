// Checkpoint folders that are never half-written: files go into a temp folder beside the final one, each is fsynced,
// a manifest with sha256 checksums is written last, then one rename publishes it. Loading verifies the checksums and
// falls back to the previous checkpoint when one is damaged.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LatheError } from '../api/errors';
import { fsyncBestEffort, writeFileAtomic } from '../fs/atomic-file';
import { isDiskFull } from './disk-full';

export const MANIFEST = 'manifest.json';
const MANIFEST_VERSION = 1;

export interface CheckpointManifest {
  format: 'lathe-checkpoint';
  version: number;
  step: number;
  createdAt: string;
  evalLoss: number | null;
  files: Record<string, { bytes: number; sha256: string }>;
}

export interface CheckpointInfo {
  step: number;
  dir: string;
  evalLoss: number | null;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const stepDirName = (step: number) => `step-${String(step).padStart(8, '0')}`;

/**
 * Writes checkpoint `step` under `checkpointsDir`. `fill(tmpDir)` writes the payload files (adapter, engine state,
 * trainer state). Returns the final folder. On any error the temp folder is removed and older checkpoints stay as they were.
 */
export async function writeCheckpoint(checkpointsDir: string, step: number, evalLoss: number | null, fill: (tmpDir: string) => Promise<void>): Promise<string> {
  await mkdir(checkpointsDir, { recursive: true });
  const finalDir = join(checkpointsDir, stepDirName(step));
  const tmpDir = join(checkpointsDir, `.tmp-${stepDirName(step)}-${process.pid}-${Date.now()}`);
  await mkdir(tmpDir);
  try {
    await fill(tmpDir);
    // Fault injection for the crash-safety tests: die with the payload written but nothing published.
    if (process.env.LATHE_FAULT === `checkpoint-midwrite:${step}`) process.kill(process.pid, 'SIGKILL');
    const files: CheckpointManifest['files'] = {};
    for (const name of (await readdir(tmpDir)).sort()) {
      const p = join(tmpDir, name);
      const st = await stat(p);
      if (!st.isFile()) throw new Error(`checkpoint payload ${name} is not a plain file`);
      await fsyncBestEffort(p);
      files[name] = { bytes: st.size, sha256: await sha256File(p) };
    }
    const manifest: CheckpointManifest = { format: 'lathe-checkpoint', version: MANIFEST_VERSION, step, createdAt: new Date().toISOString(), evalLoss, files };
    await writeFileAtomic(join(tmpDir, MANIFEST), async (w) => w.write(Buffer.from(JSON.stringify(manifest, null, 2))));
    await fsyncBestEffort(tmpDir);
    await rm(finalDir, { recursive: true, force: true });
    await rename(tmpDir, finalDir);
    await fsyncBestEffort(checkpointsDir);
    return finalDir;
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
    // The engine reports a failed write as io_error with the OS reason in its message: that is disk full too.
    if (isDiskFull(err)) {
      throw new LatheError('checkpoint.diskFull', `The disk is full: checkpoint ${step} could not be saved in ${checkpointsDir} (${(err as Error).message}).`, 'Free some disk space; training state is unchanged and the previous checkpoint is intact.');
    }
    throw err;
  }
}

/** Checks a checkpoint folder against its manifest; returns the manifest or a reason it is not usable. */
export async function verifyCheckpoint(dir: string): Promise<{ ok: true; manifest: CheckpointManifest } | { ok: false; reason: string }> {
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as CheckpointManifest;
  } catch (err) {
    return { ok: false, reason: `manifest unreadable (${(err as Error).message})` };
  }
  if (manifest.format !== 'lathe-checkpoint' || manifest.version !== MANIFEST_VERSION) return { ok: false, reason: `unknown checkpoint format ${manifest.format} v${manifest.version}` };
  for (const [name, expect] of Object.entries(manifest.files ?? {})) {
    const p = join(dir, name);
    let st;
    try {
      st = await stat(p);
    } catch {
      return { ok: false, reason: `${name} is missing` };
    }
    if (st.size !== expect.bytes) return { ok: false, reason: `${name} has ${st.size} bytes, the manifest says ${expect.bytes}` };
    if ((await sha256File(p)) !== expect.sha256) return { ok: false, reason: `${name} fails its sha256 checksum` };
  }
  return { ok: true, manifest };
}

/** Published checkpoints, newest first (temp folders are ignored). */
export async function listCheckpoints(checkpointsDir: string): Promise<CheckpointInfo[]> {
  let names: string[];
  try {
    names = await readdir(checkpointsDir);
  } catch {
    return [];
  }
  const out: CheckpointInfo[] = [];
  for (const name of names) {
    const m = /^step-(\d+)$/.exec(name);
    if (!m) continue;
    let evalLoss: number | null = null;
    try {
      evalLoss = (JSON.parse(await readFile(join(checkpointsDir, name, MANIFEST), 'utf8')) as CheckpointManifest).evalLoss ?? null;
    } catch {
      // An unreadable manifest shows up again, as a reason, in latestValidCheckpoint.
    }
    out.push({ step: Number(m[1]), dir: join(checkpointsDir, name), evalLoss });
  }
  return out.sort((a, b) => b.step - a.step);
}

/** The newest checkpoint that verifies, plus the ones skipped on the way and why (the user is told). */
export async function latestValidCheckpoint(checkpointsDir: string): Promise<{ checkpoint: CheckpointInfo | null; skipped: { step: number; reason: string }[] }> {
  const skipped: { step: number; reason: string }[] = [];
  for (const c of await listCheckpoints(checkpointsDir)) {
    const v = await verifyCheckpoint(c.dir);
    if (v.ok) return { checkpoint: c, skipped };
    skipped.push({ step: c.step, reason: v.reason });
  }
  return { checkpoint: null, skipped };
}

/** Removes temp folders left by a crash mid-write. */
export async function cleanTempCheckpoints(checkpointsDir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(checkpointsDir);
  } catch {
    return 0;
  }
  const temps = names.filter((n) => n.startsWith('.tmp-'));
  for (const n of temps) await rm(join(checkpointsDir, n), { recursive: true, force: true });
  return temps.length;
}

/** Keeps the newest `keep` checkpoints plus the best by eval loss; deletes the rest. */
export async function pruneCheckpoints(checkpointsDir: string, keep: number): Promise<number[]> {
  const all = await listCheckpoints(checkpointsDir);
  const withEval = all.filter((c) => c.evalLoss !== null && Number.isFinite(c.evalLoss));
  const best = withEval.length ? withEval.reduce((a, b) => ((b.evalLoss as number) < (a.evalLoss as number) ? b : a)) : null;
  const removed: number[] = [];
  for (const c of all.slice(keep)) {
    if (best && c.step === best.step) continue;
    await rm(c.dir, { recursive: true, force: true });
    removed.push(c.step);
  }
  return removed;
}
