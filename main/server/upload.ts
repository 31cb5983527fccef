// POST /upload: streams a file the user picked in the browser into the library's uploads folder (web mode has no paths).
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Uploads larger than this are refused (datasets are streamed, but a runaway client must not fill the disk). */
export const MAX_UPLOAD_BYTES = 64 * 1024 ** 3;

export function safeUploadName(raw: string | null): string | null {
  if (!raw) return null;
  const name = basename(raw.replace(/\\/g, '/')).replace(/[\u0000-\u001f<>:"|?*]/g, '_').trim();
  if (!name || name === '.' || name === '..' || name.length > 200) return null;
  return name;
}

export async function handleUpload(uploadsDir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const name = safeUploadName(url.searchParams.get('name'));
  const json = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  if (!name) {
    json(400, { error: { code: 'upload.badName', message: 'The upload needs a file name (?name=...) of at most 200 characters.', hint: 'Pick the file again.' } });
    return;
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_UPLOAD_BYTES) {
    json(413, { error: { code: 'upload.tooLarge', message: `The file is larger than ${MAX_UPLOAD_BYTES} bytes.`, hint: 'Split it, or import it from the command line with `lathe data import`.' } });
    return;
  }
  const uploadId = randomUUID();
  const dir = join(uploadsDir, uploadId);
  mkdirSync(dir, { recursive: true });
  const dest = join(dir, name);
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > MAX_UPLOAD_BYTES) req.destroy(new Error('upload too large'));
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
