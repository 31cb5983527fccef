// The uploads folder (web mode's picked files, one folder per upload): bounded in total size and age, and emptied of
// an upload once it has been imported (the dataset keeps its own raw copy).
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

export interface UploadLimits {
  /** One file larger than this is refused. */
  maxFileBytes: number;
  /** All uploads together may not pass this: a runaway client must not fill the disk. */
  maxTotalBytes: number;
  /** Uploads never imported are removed after this long. */
  maxAgeMs: number;
}

export const UPLOAD_LIMITS: UploadLimits = { maxFileBytes: 64 * 1024 ** 3, maxTotalBytes: 128 * 1024 ** 3, maxAgeMs: 24 * 3600 * 1000 };

function sizeOf(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of readdirSync(path)) total += sizeOf(join(path, name));
  return total;
}

/** Removes uploads older than the age limit; returns what is left in bytes and what was removed. */
export function sweepUploads(dir: string, limits: UploadLimits, now = Date.now()): { totalBytes: number; removed: string[] } {
  let totalBytes = 0;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { totalBytes, removed };
  }
  for (const name of names) {
    const p = join(dir, name);
    try {
      if (now - statSync(p).mtimeMs > limits.maxAgeMs) {
        rmSync(p, { recursive: true, force: true });
        removed.push(name);
      } else {
        totalBytes += sizeOf(p);
      }
    } catch {
      // Removed by another request meanwhile.
    }
  }
  return { totalBytes, removed };
}

/** Deletes one upload's folder (after its import); an id that would leave the uploads folder is ignored. */
export function removeUpload(dir: string, uploadId: string): void {
  const root = resolve(dir);
  const target = resolve(root, uploadId);
  if (!target.startsWith(root + sep) || target.slice(root.length + 1).includes(sep)) return;
  rmSync(target, { recursive: true, force: true });
}
