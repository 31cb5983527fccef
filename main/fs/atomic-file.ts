// Atomic file writes: temp file in the same folder, fsync, rename, fsync the folder (reliability.md).
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Sequential writer handed to the producer; it keeps the running byte position. */
export interface SequentialWriter {
  write(bytes: Uint8Array): Promise<void>;
  readonly position: number;
}

/**
 * Calls `produce` with a writer on a temp file next to `path`, then fsyncs and renames it over `path`.
 * On any error the temp file is removed and `path` is untouched.
 */
export async function writeFileAtomic(path: string, produce: (w: SequentialWriter) => Promise<void>): Promise<number> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fh: FileHandle | null = await open(tmp, 'wx');
  let position = 0;
  try {
    const handle = fh;
    const writer: SequentialWriter = {
      async write(bytes: Uint8Array) {
        let off = 0;
        while (off < bytes.byteLength) {
          const { bytesWritten } = await handle.write(bytes, off, bytes.byteLength - off, position);
          off += bytesWritten;
          position += bytesWritten;
        }
      },
      get position() {
        return position;
      },
    };
    await produce(writer);
    await fh.sync();
    await fh.close();
    fh = null;
    await rename(tmp, path);
  } catch (err) {
    if (fh) await fh.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  // Make the rename itself durable.
  await fsyncBestEffort(dir);
  return position;
}

/** fsync a file or folder; folders cannot be opened on every platform (Windows), where this quietly does nothing. */
export async function fsyncBestEffort(path: string): Promise<void> {
  try {
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* best effort: file contents were already synced by their writers */
  }
}
