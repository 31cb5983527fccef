// Export targets are published whole or not at all: folders are filled beside the target and renamed into place,
// an existing output is kept unless the caller forces, and a full disk gives a clear error with nothing left behind.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LatheError } from '../api/errors';
import { fsyncBestEffort } from '../fs/atomic-file';

export function assertWritableTarget(path: string, force: boolean): void {
  if (existsSync(path) && !force) {
    throw new LatheError('export_exists', `${path} already exists`, 'Pick another --out path, or pass --force to replace it.');
  }
}

/** Maps ENOSPC to an error that says what happened and that nothing was left half-written. */
export function diskError(err: unknown, target: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOSPC') {
    return new LatheError('disk_full', `the disk is full: ${target} could not be written`, 'Free some disk space and export again; no partial output was left behind.');
  }
  return err;
}

/**
 * Runs `fill(tmpDir)` on a fresh folder beside `target`, then renames it to `target` (replacing an old one only when
 * `force`). On any error the temp folder is removed and `target` is untouched.
 */
export async function writeFolderAtomic<T>(target: string, force: boolean, fill: (tmpDir: string) => Promise<T>): Promise<T> {
  assertWritableTarget(target, force);
  await mkdir(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await mkdir(tmp);
  try {
    const result = await fill(tmp);
    await fsyncBestEffort(tmp);
    if (existsSync(target)) {
      // Move the old output aside first so a failed rename never loses both.
      const old = `${tmp}.old`;
      await rename(target, old);
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, target);
    }
    await fsyncBestEffort(dirname(target));
    return result;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw diskError(err, target);
  }
}

/** For single-file outputs: checks the target and maps disk-full errors (the writer itself is atomic). */
export async function writeFileTarget<T>(target: string, force: boolean, write: () => Promise<T>): Promise<T> {
  assertWritableTarget(target, force);
  await mkdir(dirname(target), { recursive: true });
  try {
    return await write();
  } catch (err) {
    throw diskError(err, target);
  }
}
