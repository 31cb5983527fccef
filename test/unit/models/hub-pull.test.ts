// Hub download against a loopback mock hub: verify, resume after a cut, refetch after corruption, cancel, resume after
// an app restart, gated/404/offline errors, and only the files a run needs (never pickles).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLibraryDb, type Db } from '../../../main/library/db';
import { ModelsRepo } from '../../../main/library/models-repo';
import { pullModel, stagingDir, type PullProgress } from '../../../main/models/hub/pull';
import { startMockHub, repoFromFolder, type MockHub } from '../../helpers/mock-hub';
import { tempDir } from '../../helpers/temp-dir';
import { tinyModel } from '../../helpers/tiny-model';

const COMMIT = 'a'.repeat(40);
const README = '---\nlicense: apache-2.0\n---\n# Tiny\n';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('hub download (mock hub on 127.0.0.1)', () => {
  const root = tempDir('lathe-hub-');
  let hub: MockHub;
  let weights: Buffer;
  let n = 0;

  beforeAll(async () => {
    const dir = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const repo = repoFromFolder(dir, COMMIT, { 'README.md': README, 'pytorch_model.bin': 'not a real pickle', 'original/consolidated.pth': 'x' });
    weights = repo.files.get('model.safetensors')!;
    hub = await startMockHub({ 'test-org/tiny': repo, 'gated-org/tiny': { ...repoFromFolder(dir, 'b'.repeat(40)), gatedToken: 'hf_good' } });
  });
  afterAll(() => hub?.close());

  /** A fresh library folder + database for each case. */
  function library(): { modelsDir: string; db: Db; models: ModelsRepo } {
    const base = join(root, `lib${n++}`);
    const db = openLibraryDb(join(base + '.sqlite'));
    return { modelsDir: join(base, 'models'), db, models: new ModelsRepo(db) };
  }
  const pull = (lib: ReturnType<typeof library>, extra: Partial<Parameters<typeof pullModel>[0]> = {}) =>
    pullModel({ repo: 'test-org/tiny', revision: 'main', endpoint: hub.endpoint, modelsDir: lib.modelsDir, models: lib.models, ...extra });
  const servedWeights = () => hub.served.filter((s) => s.file === 'model.safetensors');

  it('downloads the files a run needs, verifies them and records the model', async () => {
    hub.throttle(0);
    const lib = library();
    const progress: PullProgress[] = [];
    const m = await pull(lib, { onProgress: (p) => progress.push(p), progressEveryMs: 0 });
    expect(m.source).toEqual({ kind: 'hub', repo: 'test-org/tiny', revision: 'main', commit: COMMIT });
    expect(m.license).toBe('apache-2.0');
    expect(m.architecture).toBe('LlamaForCausalLM');
    const names = readdirSync(m.dir).sort();
    expect(names).toContain('model.safetensors');
    expect(names).toContain('tokenizer.json');
    expect(names).not.toContain('pytorch_model.bin');
    expect(names).not.toContain('original');
    expect(names.some((x) => x.endsWith('.part'))).toBe(false);
    const rec = m.files.find((f) => f.name === 'model.safetensors')!;
    expect(rec.sha256).toBe(createHash('sha256').update(weights).digest('hex'));
    expect(createHash('sha256').update(readFileSync(join(m.dir, 'model.safetensors'))).digest('hex')).toBe(rec.sha256);
    expect(m.sizeBytes).toBe(names.reduce((a, f) => a + statSync(join(m.dir, f)).size, 0));
    expect(hub.requests.some((r) => r.includes('pytorch_model.bin') || r.includes('consolidated'))).toBe(false);
    const last = progress.at(-1)!;
    expect(last.bytes).toBe(last.totalBytes);
    expect(last.filesDone).toBe(last.filesTotal);
    expect(filesUnder(join(lib.modelsDir, '.downloads'))).toEqual([]);
    // Pulling the same commit again is a no-op that returns the same model.
    const before = hub.served.length;
    expect((await pull(lib)).id).toBe(m.id);
    expect(hub.served.length).toBe(before);
    lib.db.close();
  });

  it('resumes a connection cut at 40% with one range request, fetching no byte twice', async () => {
    const lib = library();
    const from = servedWeights().length;
    hub.cutOnce('model.safetensors', 0.4);
    const m = await pull(lib);
    const transfers = servedWeights().slice(from);
    const cut = Math.floor(weights.length * 0.4);
    expect(transfers).toEqual([
      { file: 'model.safetensors', start: 0, bytes: cut, status: 200 },
      { file: 'model.safetensors', start: cut, bytes: weights.length - cut, status: 206 },
    ]);
    expect(readFileSync(join(m.dir, 'model.safetensors')).equals(weights)).toBe(true);
    lib.db.close();
  });

  it('catches a corrupted byte with sha256 and fetches the file again', async () => {
    const lib = library();
    const from = servedWeights().length;
    hub.corruptOnce('model.safetensors');
    const m = await pull(lib);
    expect(servedWeights().slice(from).map((t) => [t.start, t.bytes])).toEqual([[0, weights.length], [0, weights.length]]);
    expect(readFileSync(join(m.dir, 'model.safetensors')).equals(weights)).toBe(true);
    lib.db.close();
  });

  it('a server sending more bytes than listed cannot grow the file past its size', async () => {
    const lib = library();
    hub.padOnce('model.safetensors');
    const from = servedWeights().length;
    const m = await pull(lib);
    expect(servedWeights().slice(from)).toHaveLength(1);
    expect(readFileSync(join(m.dir, 'model.safetensors')).equals(weights)).toBe(true);
    lib.db.close();
  });

  it('cancel leaves no half file in the library and no record', async () => {
    const lib = library();
    hub.throttle(3);
    const ac = new AbortController();
    const p = pull(lib, {
      signal: ac.signal,
      progressEveryMs: 0,
      onProgress: (pr) => {
        if (pr.file === 'model.safetensors' && pr.bytes > 0 && !ac.signal.aborted) setTimeout(() => ac.abort('cancel'), 20);
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    hub.throttle(0);
    expect(filesUnder(lib.modelsDir)).toEqual([]);
    expect(lib.models.list()).toEqual([]);
    lib.db.close();
  });

  it('an app restart mid-download resumes from the part on disk', async () => {
    const lib = library();
    hub.throttle(3);
    const ac = new AbortController();
    const first = pull(lib, {
      signal: ac.signal,
      progressEveryMs: 0,
      onProgress: (pr) => {
        if (pr.file === 'model.safetensors' && pr.bytes > 0 && !ac.signal.aborted) setTimeout(() => ac.abort('shutdown'), 40);
      },
    });
    await expect(first).rejects.toMatchObject({ code: 'cancelled' });
    hub.throttle(0);
    lib.db.close();
    const part = join(stagingDir(lib.modelsDir, 'test-org/tiny', COMMIT), 'model.safetensors.part');
    const kept = statSync(part).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(weights.length);

    // "Restart": a new database connection and a new pull of the same repo.
    const db = openLibraryDb(join(root, `lib${n - 1}.sqlite`));
    const from = servedWeights().length;
    const m = await pullModel({ repo: 'test-org/tiny', revision: 'main', endpoint: hub.endpoint, modelsDir: lib.modelsDir, models: new ModelsRepo(db) });
    expect(servedWeights().slice(from)).toEqual([{ file: 'model.safetensors', start: kept, bytes: weights.length - kept, status: 206 }]);
    expect(readFileSync(join(m.dir, 'model.safetensors')).equals(weights)).toBe(true);
    expect(existsSync(stagingDir(lib.modelsDir, 'test-org/tiny', COMMIT))).toBe(false);
    db.close();
  });

  it('one writer per download: a second pull of the same revision is refused; a lock left by a dead process is taken over', async () => {
    const lib = library();
    hub.throttle(3);
    const ac = new AbortController();
    const first = pull(lib, { signal: ac.signal });
    await expect.poll(() => existsSync(`${stagingDir(lib.modelsDir, 'test-org/tiny', COMMIT)}.lock`)).toBe(true);
    await expect(pull(lib)).rejects.toMatchObject({ code: 'hub.busy' });
    ac.abort('cancel');
    await expect(first).rejects.toMatchObject({ code: 'cancelled' });
    hub.throttle(0);
    expect(existsSync(`${stagingDir(lib.modelsDir, 'test-org/tiny', COMMIT)}.lock`)).toBe(false);
    // A crashed process's lock (its pid is gone) does not block the next pull.
    mkdirSync(join(lib.modelsDir, '.downloads'), { recursive: true });
    writeFileSync(`${stagingDir(lib.modelsDir, 'test-org/tiny', COMMIT)}.lock`, '2147483646');
    expect((await pull(lib)).source.commit).toBe(COMMIT);
    lib.db.close();
  });

  it('gated repos: 401 without a token and 403 with the wrong one name the access page; the right token works', async () => {
    const lib = library();
    const gated = (token?: string) => pull(lib, { repo: 'gated-org/tiny', token });
    const e401 = await gated().catch((e: unknown) => e);
    expect(e401).toMatchObject({ code: 'hub.authRequired' });
    expect((e401 as { hint: string }).hint).toContain(`${hub.endpoint}/gated-org/tiny`);
    const e403 = await gated('hf_wrong').catch((e: unknown) => e);
    expect(e403).toMatchObject({ code: 'hub.gated' });
    expect((e403 as { hint: string }).hint).toContain(`${hub.endpoint}/gated-org/tiny`);
    const m = await gated('hf_good');
    expect(m.source.repo).toBe('gated-org/tiny');
    lib.db.close();
  });

  it('a missing repo is a 404 with the repo named; an unreachable hub says offline', async () => {
    const lib = library();
    await expect(pull(lib, { repo: 'nobody/nothing' })).rejects.toMatchObject({ code: 'hub.notFound', message: expect.stringContaining('nobody/nothing') });
    // A port nothing listens on: connection refused, as when the machine is offline.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    await expect(pull(lib, { endpoint: `http://127.0.0.1:${port}` })).rejects.toMatchObject({ code: 'hub.offline', message: expect.stringContaining('ECONNREFUSED'), hint: expect.stringMatching(/demo model/) });
    lib.db.close();
  });
});
