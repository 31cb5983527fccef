// Downloads one file of a repo the way huggingface_hub does: follows the resolve redirect, resumes a .part file with an
// HTTP range request after a cut, checks the LFS sha256 (or the git blob id) and publishes the file by rename only
// when it verifies. A corrupted download is discarded and fetched once more.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { LatheError } from '../../api/errors';
import type { HubFile } from './api';
import { httpError, offlineError } from './api';

export interface DownloadFileOptions {
  url: string;
  dest: string;
  file: HubFile;
  endpoint: string;
  repo: string;
  headers: Record<string, string>;
  signal?: AbortSignal;
  /** Called with each chunk's byte count; negative when bytes already counted are thrown away (a corrupt file). */
  onBytes?: (n: number) => void;
  fetchImpl?: typeof fetch;
  /** Attempts after a cut connection before giving up (each resumes where the last stopped). */
  maxAttempts?: number;
}

/** The hash the hub publishes for a file: sha256 of the content for LFS files, the git blob sha1 otherwise. */
function newVerifier(file: HubFile): { hash: Hash; expected: string; kind: string } | null {
  if (file.sha256) return { hash: createHash('sha256'), expected: file.sha256, kind: 'sha256' };
  if (file.blobId && file.size >= 0) {
    const hash = createHash('sha1');
    hash.update(`blob ${file.size}\0`);
    return { hash, expected: file.blobId, kind: 'git blob id' };
  }
  return null;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function feedFromDisk(hash: Hash, path: string, bytes: number): Promise<void> {
  if (bytes === 0) return;
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 })) hash.update(chunk as Buffer);
}

/** false when the part has exactly the listed size (or no size is listed); true when it is short or over. */
function sizeMismatch(expected: number, size: number): boolean {
  return expected >= 0 && size !== expected;
}

function cancelled(): LatheError {
  return new LatheError('cancelled', 'The download was cancelled.');
}

export async function downloadFile(opts: DownloadFileOptions): Promise<void> {
  const part = `${opts.dest}.part`;
  const maxAttempts = opts.maxAttempts ?? 6;
  let refetched = false;
  let cuts = 0;
  const retryAfterCut = async (err: unknown): Promise<void> => {
    if (opts.signal?.aborted) throw cancelled();
    if (++cuts >= maxAttempts) throw offlineError(opts.endpoint, err);
    await sleep(Math.min(4000, 250 * 2 ** cuts));
  };
  for (;;) {
    if (opts.signal?.aborted) throw cancelled();
    let have = await sizeOf(part);
    if (opts.file.size >= 0 && have > opts.file.size) {
      await rm(part, { force: true });
      opts.onBytes?.(-have);
      have = 0;
    }
    let verifier = newVerifier(opts.file);
    // The hash always covers exactly what is on disk: a kept part is read back before new bytes are appended.
    if (verifier) await feedFromDisk(verifier.hash, part, have);
    if (opts.file.size < 0 || have < opts.file.size) {
      let res: Response;
      try {
        res = await (opts.fetchImpl ?? fetch)(opts.url, { headers: { ...opts.headers, ...(have > 0 ? { range: `bytes=${have}-` } : {}) }, redirect: 'follow', signal: opts.signal });
      } catch (err) {
        await retryAfterCut(err);
        continue;
      }
      if (res.status === 416 && have > 0) {
        await res.body?.cancel(); // nothing left to send: the part holds the whole file; verify it below
      } else if (!res.ok) {
        await res.body?.cancel();
        throw httpError(opts.endpoint, opts.repo, res.status, `${opts.repo}/${opts.file.name}`, 'authorization' in opts.headers);
      } else {
        if (have > 0 && res.status !== 206) {
          // The server ignored the range and sends the whole file: the part starts over.
          opts.onBytes?.(-have);
          have = 0;
          verifier = newVerifier(opts.file);
        }
        const fh = await open(part, have === 0 ? 'w' : 'a');
        let written = have;
        try {
          if (!res.body) throw new Error('empty response body');
          for await (const received of res.body as unknown as AsyncIterable<Uint8Array>) {
            // A server sending more than the listed size never fills the disk: keep the listed size, drop the rest
            // (the hash check then says whether those bytes are the file).
            const room = opts.file.size >= 0 ? opts.file.size - written : Infinity;
            const chunk = received.byteLength > room ? received.subarray(0, room) : received;
            await fh.write(chunk);
            written += chunk.byteLength;
            verifier?.hash.update(chunk);
            opts.onBytes?.(chunk.byteLength);
            if (chunk !== received) {
              await res.body.cancel().catch(() => undefined);
              break;
            }
          }
          await fh.sync();
        } catch (err) {
          await fh.close();
          await retryAfterCut(err);
          continue; // resume from what reached the disk
        }
        await fh.close();
        if (opts.file.size >= 0 && (await sizeOf(part)) < opts.file.size) {
          await retryAfterCut(new Error('the connection closed early'));
          continue;
        }
      }
    }
    const size = await sizeOf(part);
    if (sizeMismatch(opts.file.size, size) === false && (!verifier || verifier.hash.digest('hex') === verifier.expected)) {
      await rename(part, opts.dest);
      return;
    }
    // Corrupt: throw the bytes away and fetch the file once more from the start.
    await rm(part, { force: true });
    opts.onBytes?.(-size);
    if (refetched) {
      throw new LatheError('hub.corrupt', `${opts.repo}/${opts.file.name} failed its ${verifier?.kind ?? 'size'} check twice.`, 'The download is damaged in transit or on the server; try again later, or from another network.');
    }
    refetched = true;
  }
}
