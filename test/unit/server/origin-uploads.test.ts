// Web mode: the WebSocket and upload endpoints accept only the server's own origin (not any loopback page), and the
// uploads folder is bounded: per-file and total size caps, an age limit, and an upload removed once imported.
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ProjectsRepo } from '../../../main/library/projects-repo';
import { startWebServer, type WebServer } from '../../../main/server/server';
import { dispatch } from '../../../main/services/dispatch';
import { fakeRuntime } from '../../helpers/fake-runtime';
import { tempDir } from '../../helpers/temp-dir';

const runtime = fakeRuntime();
let web: WebServer;
const rendererDir = tempDir('lathe-renderer-');

beforeAll(async () => {
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Lathe</title>');
  web = await startWebServer({ runtime, rendererDir, port: 0, uploadLimits: { maxFileBytes: 1000, maxTotalBytes: 1500, maxAgeMs: 3600_000 } });
});
afterAll(async () => {
  await web.close();
  await runtime.close();
});

function connect(headers: Record<string, string>): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${web.port}/api?token=${web.token}`, { headers });
  return new Promise((resolve) => {
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}

function upload(name: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; json: { uploadId?: string; error?: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: web.port, method: 'POST', path: `/upload?token=${web.token}&name=${encodeURIComponent(name)}`, headers: { 'Content-Length': Buffer.byteLength(body), ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text || '{}') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('exact origin', () => {
  it('accepts the page of this server and clients that send no Origin', async () => {
    expect(await connect({})).toBe(101);
    expect(await connect({ Origin: `http://127.0.0.1:${web.port}` })).toBe(101);
  });

  it('refuses other loopback origins: another port, another loopback name, https, a suffix trick', async () => {
    for (const origin of [`http://127.0.0.1:${web.port + 1}`, 'http://127.0.0.1', `http://localhost:${web.port}`, `https://127.0.0.1:${web.port}`, `http://127.0.0.1:${web.port}.evil.example`, 'null']) {
      expect(await connect({ Origin: origin }), origin).toBe(401);
    }
    const r = await upload('a.jsonl', 'x', { Origin: `http://127.0.0.1:${web.port + 1}` });
    expect(r.status).toBe(403);
    expect(r.json.error?.code).toBe('auth.origin');
  });
});

describe('content security policy', () => {
  it('lets the page connect only to the server that served it', async () => {
    const res = await fetch(`http://127.0.0.1:${web.port}/`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain(`connect-src http://127.0.0.1:${web.port} ws://127.0.0.1:${web.port};`);
    expect(csp).not.toMatch(/connect-src[^;]*(ws:|wss:)\s/);
  });
});

describe('uploads folder limits', () => {
  const uploads = () => runtime.ctx.paths.uploads;

  it('caps one file and the folder, removes old uploads, and removes an upload once imported', async () => {
    expect((await upload('big.jsonl', Buffer.alloc(1001))).json.error?.code).toBe('upload.tooLarge');
    const row = JSON.stringify({ instruction: 'Say hi', output: 'hi' }) + '\n';
    const first = await upload('a.jsonl', row.repeat(Math.floor(900 / row.length)));
    expect(first.status).toBe(200);
    const second = await upload('b.jsonl', Buffer.alloc(900));
    expect(second.status).toBe(413);
    expect(second.json.error?.code).toBe('upload.folderFull');
    expect(readdirSync(uploads())).toEqual([first.json.uploadId]);

    // An upload nobody imported for longer than the age limit is removed; the new one then fits.
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(join(uploads(), first.json.uploadId!), old, old);
    const third = await upload('c.jsonl', row.repeat(3));
    expect(third.status).toBe(200);
    expect(readdirSync(uploads())).toEqual([third.json.uploadId]);

    const project = new ProjectsRepo(runtime.ctx.db).create('Uploads');
    const res = await dispatch('datasets.import', { source: { uploadId: third.json.uploadId, name: 'c.jsonl' }, projectId: project.id }, runtime.ctx);
    expect(res.ok).toBe(true);
    expect(existsSync(join(uploads(), third.json.uploadId!))).toBe(false);
  });
});
