// Test helper: a loopback HTTP server that mimics the Hugging Face Hub for a few repos: the revision file listing (LFS
// sha256, git blob ids), resolve with a 302 to a CDN-like path, range requests, gated (401/403) and unknown (404)
// repos, plus hooks to cut a connection part-way, corrupt a byte once, and slow the transfer down.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface MockRepo {
  commit: string;
  files: Map<string, Buffer>;
  /** Needs this bearer token: 401 without one, 403 with another. */
  gatedToken?: string;
  license?: string;
}

export interface ServedRange {
  file: string;
  start: number;
  bytes: number;
  status: number;
}

export interface MockHub {
  endpoint: string;
  repos: Map<string, MockRepo>;
  /** Every CDN transfer, in order. */
  served: ServedRange[];
  /** Every request path (API, resolve, CDN). */
  requests: string[];
  /** Cut the next transfer of `file` after `fraction` of it was sent. */
  cutOnce(file: string, fraction: number): void;
  /** Flip one byte in the next full transfer of `file`. */
  corruptOnce(file: string): void;
  /** Send 64 KiB of junk after the real bytes in the next full transfer of `file` (a hostile or broken server). */
  padOnce(file: string): void;
  /** Send `file` in 4 KiB chunks with this pause between them (0 = full speed). */
  throttle(ms: number): void;
  close(): Promise<void>;
}

const isLfs = (name: string) => name.endsWith('.safetensors') || name.endsWith('.bin');

export function repoFromFolder(dir: string, commit: string, extra: Record<string, Buffer | string> = {}): MockRepo {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) files.set(name, readFileSync(join(dir, name)));
  for (const [name, v] of Object.entries(extra)) files.set(name, Buffer.from(v));
  return { commit, files };
}

export async function startMockHub(repos: Record<string, MockRepo>): Promise<MockHub> {
  const map = new Map(Object.entries(repos));
  const served: ServedRange[] = [];
  const requests: string[] = [];
  const cuts = new Map<string, number>();
  const corrupt = new Set<string>();
  const pad = new Set<string>();
  let delay = 0;

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    requests.push(path);
    const auth = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const access = (repo: MockRepo): boolean => {
      if (!repo.gatedToken || auth === repo.gatedToken) return true;
      res.writeHead(auth ? 403 : 401, { 'content-type': 'application/json', 'x-error-code': 'GatedRepo' }).end(JSON.stringify({ error: 'Access to this model is restricted.' }));
      return false;
    };
    let m = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/(.+)$/.exec(path);
    if (m) {
      const repo = map.get(m[1]);
      if (!repo || (m[2] !== 'main' && m[2] !== repo.commit)) return void res.writeHead(404, { 'x-error-code': 'RepoNotFound' }).end('{"error":"Repository not found"}');
      if (!access(repo)) return;
      const siblings = [...repo.files.entries()].map(([name, buf]) => {
        const blobId = createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
        return isLfs(name) ? { rfilename: name, size: buf.length, blobId, lfs: { sha256: createHash('sha256').update(buf).digest('hex'), size: buf.length, pointerSize: 134 } } : { rfilename: name, size: buf.length, blobId };
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: m[1], sha: repo.commit, siblings, gated: repo.gatedToken ? 'manual' : false, cardData: repo.license ? { license: repo.license } : undefined }));
      return;
    }
    m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (m) {
      const repo = map.get(m[1]);
      if (!repo || (m[2] !== 'main' && m[2] !== repo.commit) || !repo.files.has(m[3])) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('not found');
      if (!access(repo)) return;
      res.writeHead(302, { location: `/cdn/${m[1]}/${repo.commit}/${m[3]}` }).end();
      return;
    }
    m = /^\/cdn\/([^/]+\/[^/]+)\/([^/]+)\/(.+)$/.exec(path);
    const repo = m && map.get(m[1]);
    const body = m && repo?.files.get(m[3]);
    if (!m || !repo || !body) return void res.writeHead(404).end('not found');
    const file = m[3];
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    const start = range ? Number(range[1]) : 0;
    if (start >= body.length && range) return void res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    let data = body.subarray(start);
    if (!range && pad.delete(file)) data = Buffer.concat([data, Buffer.alloc(65536, 0x41)]);
    if (!range && corrupt.delete(file)) {
      data = Buffer.from(data);
      data[Math.floor(data.length / 2)] ^= 0xff;
    }
    const cutAt = cuts.get(file);
    if (cutAt !== undefined) cuts.delete(file);
    const limit = cutAt !== undefined ? Math.floor(body.length * cutAt) - start : data.length;
    res.writeHead(range ? 206 : 200, { 'content-length': String(data.length), 'accept-ranges': 'bytes', ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
    const record: ServedRange = { file, start, bytes: 0, status: range ? 206 : 200 };
    served.push(record);
    let off = 0;
    const step = delay > 0 ? 4096 : 65536;
    const pump = () => {
      if (res.destroyed) return;
      if (off >= limit) {
        if (limit < data.length) setTimeout(() => res.socket?.destroy(), 30); // cut: the bytes sent so far arrive, then the socket dies
        else res.end();
        return;
      }
      const chunk = data.subarray(off, Math.min(limit, off + step));
      off += chunk.length;
      record.bytes += chunk.length;
      res.write(chunk, () => (delay > 0 ? setTimeout(pump, delay) : setImmediate(pump)));
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    repos: map,
    served,
    requests,
    cutOnce: (file, fraction) => void cuts.set(file, fraction),
    corruptOnce: (file) => void corrupt.add(file),
    padOnce: (file) => void pad.add(file),
    throttle: (ms) => void (delay = ms),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
