// Model library service through the API dispatcher: folder validation naming every problem, link vs copy, the demo
// model, a project's base model, and delete that asks first when runs use the model.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LibraryModel } from '../../../main/api/contract-models';
import { dispatch } from '../../../main/services/dispatch';
import { fakeRuntime } from '../../helpers/fake-runtime';
import { tempDir } from '../../helpers/temp-dir';
import { tinyModel } from '../../helpers/tiny-model';

const runtime = fakeRuntime();
const ctx = runtime.ctx;
afterAll(() => runtime.close());

async function call<T>(method: string, args?: unknown): Promise<T> {
  const r = await dispatch(method, args, ctx);
  if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
  return r.value as T;
}

describe('model library service', () => {
  const scratch = tempDir('lathe-models-');
  let tiny: string;

  beforeAll(async () => {
    const src = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    tiny = join(scratch, 'my-tiny');
    cpSync(src, tiny, { recursive: true });
    writeFileSync(join(tiny, 'README.md'), '---\nlicense: mit\n---\nA tiny model.\n');
    writeFileSync(join(tiny, 'pytorch_model.bin'), 'pickle bytes that must never be copied');
  });

  it('names every missing or bad file of a folder at once', async () => {
    const bad = join(scratch, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'pytorch_model.bin'), 'x');
    const err = await call('models.import', { path: bad }).catch((e: { code: string; message: string }) => e);
    expect(err).toMatchObject({ code: 'models.badFolder' });
    const msg = (err as { message: string }).message;
    expect(msg).toContain('3 problems');
    expect(msg).toContain(join(bad, 'config.json'));
    expect(msg).toContain('pytorch_model.bin');
    expect(msg).toContain(join(bad, 'tokenizer.json'));

    const sharded = join(scratch, 'sharded');
    mkdirSync(sharded);
    writeFileSync(join(sharded, 'config.json'), '{not json');
    writeFileSync(join(sharded, 'tokenizer.json'), '{}');
    writeFileSync(join(sharded, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } }));
    const err2 = (await call('models.import', { path: sharded }).catch((e: { message: string }) => e)) as { message: string };
    expect(err2.message).toContain('config.json: not valid JSON');
    expect(err2.message).toContain('model-00001-of-00002.safetensors: missing');
    expect(err2.message).toContain('model-00002-of-00002.safetensors: missing');
  });

  it('links a folder in place, with each file’s sha256, size and the licence from the model card', async () => {
    const m = await call<LibraryModel>('models.import', { path: tiny });
    expect(m).toMatchObject({ linked: true, dir: tiny, architecture: 'LlamaForCausalLM', license: 'mit', source: { kind: 'local' } });
    const w = m.files.find((f) => f.name === 'model.safetensors')!;
    expect(w.sha256).toBe(createHash('sha256').update(readFileSync(join(tiny, 'model.safetensors'))).digest('hex'));
    expect(m.files.map((f) => f.name)).not.toContain('pytorch_model.bin');
    expect((await call<LibraryModel>('models.import', { path: tiny })).id).toBe(m.id);
    expect((await call<LibraryModel[]>('models.list')).map((x) => x.id)).toContain(m.id);
  });

  it('copies a folder into the library (never its pickle files) and publishes it whole', async () => {
    const m = await call<LibraryModel>('models.import', { path: tiny, copy: true });
    expect(m.linked).toBe(false);
    expect(m.dir.startsWith(ctx.paths.models)).toBe(true);
    const names = readdirSync(m.dir);
    expect(names).toContain('model.safetensors');
    expect(names).not.toContain('pytorch_model.bin');
    expect(readdirSync(ctx.paths.models).some((n) => n.startsWith('.import-'))).toBe(false);
  });

  it('adds the demo model in one call, and a project keeps it as its base model by id', async () => {
    const demo = await call<LibraryModel>('models.addDemo');
    expect(demo.source.kind).toBe('demo');
    expect(demo.hasChatTemplate).toBe(true);
    expect((await call<LibraryModel>('models.addDemo')).id).toBe(demo.id);
    const project = await call<{ id: string }>('projects.create', { name: 'Uses demo' });
    expect(await call('models.forProject', { projectId: project.id })).toBeNull();
    expect((await call<LibraryModel>('models.useInProject', { projectId: project.id, modelId: demo.id })).id).toBe(demo.id);
    expect((await call<LibraryModel>('models.forProject', { projectId: project.id })).id).toBe(demo.id);
    // Deleting the model clears the project's choice (foreign key ON DELETE SET NULL).
    await call('models.delete', { id: demo.id });
    expect(await call('models.forProject', { projectId: project.id })).toBeNull();
    expect(existsSync(demo.dir)).toBe(false);
  });

  it('asks before deleting a model that runs use, listing them; a linked folder is never deleted', async () => {
    const m = (await call<LibraryModel[]>('models.list')).find((x) => x.linked)!;
    const now = new Date().toISOString();
    ctx.db
      .prepare("INSERT INTO runs (id, name, status, run_dir, config_json, created_at, updated_at) VALUES ('run-a', 'first try', 'completed', ?, ?, ?, ?)")
      .run(join(scratch, 'run-a'), JSON.stringify({ model: m.dir, dataset: 'x' }), now, now);
    expect(await call('models.usage', { id: m.id })).toEqual([{ runId: 'run-a', runName: 'first try', status: 'completed', projectId: null }]);
    const err = await call('models.delete', { id: m.id }).catch((e: { code: string; message: string }) => e);
    expect(err).toMatchObject({ code: 'models.inUse', message: expect.stringContaining('first try (completed)') });
    await call('models.delete', { id: m.id, force: true });
    expect(existsSync(join(tiny, 'model.safetensors'))).toBe(true);
    expect((await call<LibraryModel[]>('models.list')).find((x) => x.id === m.id)).toBeUndefined();
  });

  it('saves the hub token in a file only this user can read, and HF_TOKEN wins over it', async () => {
    const before = process.env.HF_TOKEN;
    delete process.env.HF_TOKEN;
    try {
      expect(await call('models.tokenStatus')).toEqual({ source: null, storage: 'file' });
      expect(await call('models.setToken', { token: 'hf_abcdefghijkl' })).toEqual({ source: 'saved', storage: 'file' });
      const { statSync } = await import('node:fs');
      expect(statSync(join(ctx.paths.root, 'hf-token')).mode & 0o777).toBe(0o600);
      process.env.HF_TOKEN = 'hf_from_env_123';
      expect(await call('models.tokenStatus')).toMatchObject({ source: 'env' });
      delete process.env.HF_TOKEN;
      await call('models.setToken', { token: null });
      expect(existsSync(join(ctx.paths.root, 'hf-token'))).toBe(false);
    } finally {
      if (before === undefined) delete process.env.HF_TOKEN;
      else process.env.HF_TOKEN = before;
      rmSync(join(ctx.paths.root, 'hf-token'), { force: true });
    }
  });
});
