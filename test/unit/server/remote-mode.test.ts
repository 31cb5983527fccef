// Remote web mode (a non-loopback bind, forced here on a loopback server through the runtime's allowedRoots, which
// `lathe serve --host` sets): API paths outside the library and --allow-dir folders are refused; local mode is unchanged.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWebServer, type WebServer } from '../../../main/server/server';
import { fakeRuntime } from '../../helpers/fake-runtime';
import { tempDir } from '../../helpers/temp-dir';

const runtime = fakeRuntime();
let web: WebServer;
const outside = tempDir('lathe-outside-');
const allowed = tempDir('lathe-allowed-');
const secret = join(outside, 'secret.jsonl');

beforeAll(async () => {
  writeFileSync(secret, '{"text":"private line"}\n');
  writeFileSync(join(allowed, 'ok.jsonl'), '{"text":"shared line"}\n');
  mkdirSync(join(allowed, 'sub'));
  symlinkSync(secret, join(allowed, 'sub', 'link.jsonl'));
  web = await startWebServer({ runtime, rendererDir: tempDir('lathe-r-'), port: 0 });
});
afterAll(async () => {
  await web.close();
  await runtime.close();
});

async function call(method: string, args: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string; hint?: string } }> {
  const ws = new WebSocket(`ws://127.0.0.1:${web.port}/api?token=${web.token}`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  try {
    return await new Promise((resolve) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data));
        if (msg.type === 'result' && msg.id === 1) resolve(msg);
      });
      ws.send(JSON.stringify({ type: 'call', id: 1, method, args }));
    });
  } finally {
    ws.close();
  }
}

describe('file access in remote web mode', () => {
  it('local mode reads any path, as before', async () => {
    runtime.ctx.allowedRoots = null;
    const r = await call('datasets.rawLines', { source: { path: secret }, line: 1 });
    expect(r.ok).toBe(true);
    expect(JSON.stringify(r.value)).toContain('private line');
  });

  it('remote mode refuses paths outside the library and --allow-dir folders, with the field and the fix', async () => {
    runtime.ctx.allowedRoots = [runtime.ctx.paths.root, allowed];
    const r = await call('datasets.rawLines', { source: { path: secret }, line: 1 });
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({ code: 'files.outsideAllowed', message: expect.stringContaining(`source.path: ${secret}`), hint: expect.stringContaining('--allow-dir') });
    expect(JSON.stringify(r)).not.toContain('private line');
    for (const [method, args] of [
      ['models.inspect', { path: outside }],
      ['models.import', { path: join(allowed, '..') }],
      ['datasets.inspect', { source: { path: join(allowed, 'ok.jsonl') }, tokenizerPath: outside }],
    ] as const) {
      expect((await call(method, args)).error?.code, method).toBe('files.outsideAllowed');
    }
    // A symlink inside an allowed folder that points outside is refused too.
    expect((await call('datasets.rawLines', { source: { path: join(allowed, 'sub', 'link.jsonl') }, line: 1 })).error?.code).toBe('files.outsideAllowed');
  });

  it('remote mode still reads inside the allowed folders', async () => {
    runtime.ctx.allowedRoots = [runtime.ctx.paths.root, allowed];
    const r = await call('datasets.rawLines', { source: { path: join(allowed, 'ok.jsonl') }, line: 1 });
    expect(r.ok).toBe(true);
    expect(JSON.stringify(r.value)).toContain('shared line');
  });
});
