// Exports through the API: the estimate before starting, progress and status events, the exports table with files,
// checksums and copyable commands, cancellation that leaves nothing behind, and typed errors.
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportView } from '../../../main/api/contract';
import { dispatch } from '../../../main/services/dispatch';
import { createRuntime } from '../../../main/services/runtime';
import { inProcessHostSpawner } from '../../helpers/inproc-host';
import { writeTinyAdapter } from '../../helpers/tiny-adapter';
import { tempDir } from '../../helpers/temp-dir';
import { tinyModel } from '../../helpers/tiny-model';

const root = tempDir('lathe-exports-api-');
const runtime = createRuntime({ shell: 'web', libraryRoot: root, spawnHost: inProcessHostSpawner() });
const events: { name: string; payload: unknown }[] = [];
runtime.subscribe((name, payload) => events.push({ name, payload }));
afterAll(() => runtime.close());

let model = '';
let adapter = '';
beforeAll(async () => {
  model = await tinyModel({ arch: 'qwen2', tokenizer: 'synthetic', tied: true });
  adapter = await writeTinyAdapter(model, join(root, 'adapter'));
});

async function finished(id: string): Promise<ExportView> {
  for (let i = 0; i < 400; i++) {
    const e = events.find((x) => x.name === 'exports.status' && (x.payload as { export: ExportView }).export.id === id);
    if (e) return (e.payload as { export: ExportView }).export;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('export did not finish');
}

describe('exports API', () => {
  it('estimates, exports GGUF with progress, and lists the export with files, sizes and commands', async () => {
    const est = await dispatch('exports.estimate', { source: { model, adapter }, format: 'gguf', quant: 'q8_0' }, runtime.ctx);
    expect(est.ok).toBe(true);
    const bytes = (est as { value: { bytes: number } }).value.bytes;
    const start = await dispatch('exports.start', { source: { model, adapter }, format: 'gguf', quant: 'q8_0' }, runtime.ctx);
    expect(start).toMatchObject({ ok: true, value: { status: 'running', format: 'gguf', quant: 'q8_0' } });
    const id = (start as { value: ExportView }).value.id;
    const done = await finished(id);
    expect(done.status).toBe('completed');
    expect(done.files).toHaveLength(1);
    expect(done.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(done.bytes).toBe(statSync(done.outPath).size);
    // The estimate is close: tensor bytes are exact, metadata is approximated by the tokenizer's size.
    expect(Math.abs(bytes - done.bytes) / done.bytes).toBeLessThan(0.1);
    expect(done.commands[0].command).toBe(`llama-cli -m ${done.outPath} -cnv`);
    expect(events.some((e) => e.name === 'exports.progress' && (e.payload as { id: string }).id === id)).toBe(true);
    const list = (await dispatch('exports.list', undefined, runtime.ctx)) as { value: ExportView[] };
    expect(list.value[0]).toMatchObject({ id, status: 'completed', mergeKL: null, source: { model, adapter } });
  });

  it('ollama exports carry the ollama create command; cancel leaves nothing behind', async () => {
    const r = (await dispatch('exports.start', { source: { model, adapter }, format: 'ollama' }, runtime.ctx)) as { value: ExportView };
    const done = await finished(r.value.id);
    expect(done.status).toBe('completed');
    expect(done.commands[0].command).toMatch(/^ollama create .* -f .*Modelfile$/);
    const big = await tinyModel({ arch: 'llama', tokenizer: 'synthetic', hidden: 256, intermediate: 512, layers: 8 });
    const c = (await dispatch('exports.start', { source: { model: big }, format: 'gguf', quant: 'q4_k_m' }, runtime.ctx)) as { value: ExportView };
    expect(await dispatch('exports.cancel', { id: c.value.id }, runtime.ctx)).toMatchObject({ ok: true, value: { cancelled: true } });
    const cancelled = await finished(c.value.id);
    expect(cancelled.status).toBe('cancelled');
    expect(existsSync(cancelled.outPath)).toBe(false);
    expect((await readdir(join(root, 'exports'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('refuses a PEFT export without an adapter and unknown formats', async () => {
    const r = (await dispatch('exports.start', { source: { model }, format: 'peft' }, runtime.ctx)) as { value: ExportView };
    const done = await finished(r.value.id);
    expect(done).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('needs an adapter') } });
    expect(await dispatch('exports.start', { source: { model }, format: 'zip' } as never, runtime.ctx)).toMatchObject({ ok: false, error: { code: 'api.invalidArgs' } });
    expect(await dispatch('exports.estimate', { source: { runId: 'nope' }, format: 'gguf' }, runtime.ctx)).toMatchObject({ ok: false, error: { code: 'runs.notFound' } });
    // Hostile arguments never reach a handler.
    expect(await dispatch('exports.start', { source: { model: 'a\0b' }, format: 'gguf' }, runtime.ctx)).toMatchObject({ ok: false, error: { code: 'api.invalidArgs' } });
    expect(await dispatch('exports.cancel', { id: '../../etc' }, runtime.ctx)).toMatchObject({ ok: false, error: { code: 'api.invalidArgs' } });
    expect(await dispatch('exports.start', { source: { model, extra: 1 }, format: 'gguf' } as never, runtime.ctx)).toMatchObject({ ok: false, error: { code: 'api.invalidArgs' } });
  });
});
