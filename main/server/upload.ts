// POST /upload: streams a file the user picked in the browser into the library's uploads folder (web mode has no paths).
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sweepUploads, UPLOAD_LIMITS, type UploadLimits } from '../library/uploads';

/** Uploads larger than this are refused (datasets are streamed, but a runaway client must not fill the disk). */
export const MAX_UPLOAD_BYTES = UPLOAD_LIMITS.maxFileBytes;

export function safeUploadName(raw: string | null): string | null {
  if (!raw) return null;
  const name = basename(raw.replace(/\\/g, '/')).replace(/[\u0000-\u001f<>:"|?*]/g, '_').trim();
  if (!name || name === '.' || name === '..' || name.length > 200) return null;
  return name;
}

export async function handleUpload(uploadsDir: string, req: IncomingMessage, res: ServerResponse, limits: UploadLimits = UPLOAD_LIMITS): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const name = safeUploadName(url.searchParams.get('name'));
  const json = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  if (!name) {
    json(400, { error: { code: 'upload.badName', message: 'The upload needs a file name (?name=...) of at most 200 characters.', hint: 'Pick the file again.' } });
    return;
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limits.maxFileBytes) {
    json(413, { error: { code: 'upload.tooLarge', message: `The file is larger than ${limits.maxFileBytes} bytes.`, hint: 'Split it, or import it from the command line with `lathe data import`.' } });
    return;
  }
  // Old uploads that were never imported go first; then the new one must fit beside what is left.
  const { totalBytes } = sweepUploads(uploadsDir, limits);
  const room = limits.maxTotalBytes - totalBytes;
  const fullMessage = () => `The uploads folder holds ${totalBytes} bytes of files not imported yet, and this file would pass its ${limits.maxTotalBytes}-byte limit.`;
  const fullHint = 'Import or discard the files uploaded before (uploads are removed once imported, or after a day), or import this one with `lathe data import`.';
  if (declared > room) {
    json(413, { error: { code: 'upload.folderFull', message: fullMessage(), hint: fullHint } });
    return;
  }
  const uploadId = randomUUID();
  const dir = join(uploadsDir, uploadId);
  mkdirSync(dir, { recursive: true });
  const dest = join(dir, name);
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > limits.maxFileBytes) req.destroy(new Error(`the file is larger than ${limits.maxFileBytes} bytes`));
    else if (bytes > room) req.destroy(new Error(fullMessage()));
  });
  try {
    await pipeline(req, createWriteStream(dest, { flags: 'wx' }));
    json(200, { uploadId, name, bytes });
  } catch (err) {
    // Nothing half-written is left behind.
    rmSync(dir, { recursive: true, force: true });
    if (!res.headersSent) json(400, { error: { code: 'upload.failed', message: `The upload of ${name} failed: ${(err as Error).message}`, hint: 'Try again.' } });
  }
}
