// Web mode: the token gate, the WebSocket API, hostile messages, the upload endpoint and static file serving.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWebServer, type WebServer } from '../../../main/server/server';
import { fakeRuntime } from '../../helpers/fake-runtime';
import { tempDir } from '../../helpers/temp-dir';

const runtime = fakeRuntime();
let web: WebServer;
const rendererDir = tempDir('lathe-renderer-');

beforeAll(async () => {
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Lathe</title>');
  mkdirSync(join(rendererDir, 'assets'));
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  web = await startWebServer({ runtime, rendererDir, port: 0 });
});
afterAll(async () => {
  await web.close();
  await runtime.close();
});

function connect(token: string | null, headers: Record<string, string> = {}): Promise<WebSocket> {
  const q = token === null ? '' : `?token=${token}`;
  const ws = new WebSocket(`ws://127.0.0.1:${web.port}/api${q}`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

let nextId = 1;
function call(ws: WebSocket, method: string, args?: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }> {
  const id = nextId++;
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(String(data));
      if (msg.type === 'result' && msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'call', id, method, args }));
  });
}

describe('web server', () => {
  it('prints a loopback URL carrying the token', () => {
    expect(web.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${web.port}/\\?token=[0-9a-f]{48}$`));
  });

  it('refuses a WebSocket without the token, or with a wrong one', async () => {
    await expect(connect(null)).rejects.toThrow(/401/);
    await expect(connect('0'.repeat(48))).rejects.toThrow(/401/);
    await expect(connect(web.token.slice(0, -1))).rejects.toThrow(/401/);
  });

  it('refuses a WebSocket from a foreign origin (cross-site page with a stolen URL)', async () => {
    await expect(connect(web.token, { Origin: 'https://evil.example' })).rejects.toThrow(/401/);
  });

  it('answers API calls and pushes events', async () => {
    const ws = await connect(web.token);
    const events: unknown[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.type === 'event') events.push(m);
    });
    const r = await call(ws, 'projects.create', { name: 'Over the wire' });
    expect(r).toMatchObject({ ok: true, value: { name: 'Over the wire' } });
    await new Promise((res) => setTimeout(res, 50));
    expect(events).toContainEqual(expect.objectContaining({ event: 'projects.changed' }));
    ws.close();
  });

  it('rejects unknown methods and hostile arguments, and stays up', async () => {
    const ws = await connect(web.token);
    expect(await call(ws, 'system.shutdown', {})).toMatchObject({ ok: false, error: { code: 'api.unknownMethod' } });
    const raw = '{"type":"call","id":999,"method":"projects.create","args":{"name":"x","__proto__":{"polluted":1}}}';
    const reply = new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));
    ws.send(raw);
    expect(await reply).toMatchObject({ id: 999, ok: false, error: { code: 'api.invalidArgs' } });
    expect(await call(ws, 'projects.create', { name: '../'.repeat(10) + 'x'.repeat(200) })).toMatchObject({ ok: false, error: { code: 'api.invalidArgs' } });
    const bad = new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));
    ws.send('not json at all');
    expect(await bad).toMatchObject({ ok: false, error: { code: 'api.badMessage' } });
    expect(await call(ws, 'projects.list')).toMatchObject({ ok: true });
    ws.close();
  });

  it('closes a socket that sends an oversized (10 MB) message, and keeps serving others', async () => {
    const ws = await connect(web.token);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ type: 'call', id: 1, method: 'projects.create', args: { name: 'x'.repeat(10 * 1024 * 1024) } }));
    expect(await closed).toBe(1009);
    const other = await connect(web.token);
    expect(await call(other, 'projects.list')).toMatchObject({ ok: true });
    other.close();
  });

  it('serves the renderer with a CSP, refuses path traversal and foreign Host headers', async () => {
    const index = await fetch(`http://127.0.0.1:${web.port}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await (await fetch(`http://127.0.0.1:${web.port}/assets/app.js`)).text()).toBe('console.log(1)');
    const traversal = await fetch(`http://127.0.0.1:${web.port}/..%2f..%2f..%2fetc%2fpasswd`);
    expect(await traversal.text()).not.toContain('root:');
    // fetch() may not set Host; a raw request can, as a DNS-rebinding page's would.
    const status = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: web.port, path: '/', headers: { Host: 'attacker.example' } }, (res) => resolve(res.statusCode ?? 0)).on('error', reject).end();
    });
    expect(status).toBe(421);
  });

  it('accepts uploads with the token only, into the library uploads folder', async () => {
    const denied = await fetch(`http://127.0.0.1:${web.port}/upload?name=a.jsonl`, { method: 'POST', body: 'x' });
    expect(denied.status).toBe(401);
    const ok = await fetch(`http://127.0.0.1:${web.port}/upload?token=${web.token}&name=..%2F..%2Fdata.jsonl`, { method: 'POST', body: '{"text":"hi"}\n' });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { uploadId: string; name: string; bytes: number };
    expect(body).toMatchObject({ name: 'data.jsonl', bytes: 14 });
    expect(readFileSync(join(runtime.ctx.paths.uploads, body.uploadId, 'data.jsonl'), 'utf8')).toBe('{"text":"hi"}\n');
  });

  it('removes the partial file of an upload the browser cancels mid-transfer', async () => {
    const before = new Set(readdirSync(runtime.ctx.paths.uploads));
    const req = request({ host: '127.0.0.1', port: web.port, method: 'POST', path: `/upload?token=${web.token}&name=big.jsonl`, headers: { 'content-length': String(1 << 20) } });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(64 * 1024, 0x61));
    // The first bytes are on disk in a new upload folder ...
    const fresh = () => readdirSync(runtime.ctx.paths.uploads).filter((d) => !before.has(d));
    await expect.poll(() => fresh().flatMap((d) => readdirSync(join(runtime.ctx.paths.uploads, d))).length).toBe(1);
    // ... and the cancel (the connection closes before the declared length) leaves nothing behind.
    req.destroy();
    await expect.poll(fresh).toEqual([]);
  });
});
