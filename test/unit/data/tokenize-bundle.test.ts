// The tokenize pool from the bundled build: the main build (the real electron.vite.config.ts, output redirected under
// test/.tmp) must ship the worker entry, and the bundled CLI must find it and get the same report as one thread.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lenmlTokenizerDir, TMP_ROOT } from '../../helpers/tiny-model';

const root = process.cwd();
let dir = '';
let cli = '';
let data = '';

beforeAll(() => {
  // Under the repository, so the bundle's external imports resolve from node_modules as they do for out/main.
  mkdirSync(TMP_ROOT, { recursive: true });
  dir = mkdtempSync(join(TMP_ROOT, 'bundle-'));
  const config = join(dir, 'electron.vite.config.mjs');
  writeFileSync(config, [
    `import base from ${JSON.stringify(join(root, 'electron.vite.config.ts'))};`,
    `export default { main: { ...base.main, build: { ...base.main.build, outDir: ${JSON.stringify(join(dir, 'out', 'main'))} } } };`,
  ].join('\n'));
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '-c', config, '--logLevel', 'error'], { cwd: root, encoding: 'utf8' });
  expect(r.status, r.stderr + r.stdout).toBe(0);
  cli = join(dir, 'out', 'main', 'cli.js');
  const rows = Array.from({ length: 200 }, (_, i) => JSON.stringify({ instruction: `Row ${i}: summarise note ${i}`, input: `call 555-01${i % 100} about order #${i} — 🚀 héllo 世界`, output: `Called about order ${i}; follow up on Friday.` }));
  data = join(dir, 'rows.jsonl');
  writeFileSync(data, rows.join('\n') + '\n');
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function inspect(env: Record<string, string>): { status: number | null; json: unknown; stderr: string } {
  const r = spawnSync(process.execPath, [cli, 'data', 'inspect', data, '--model', lenmlTokenizerDir('llama3'), '--max-len', '48', '--json'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, ...env },
  });
  return { status: r.status, json: r.status === 0 ? JSON.parse(r.stdout) : null, stderr: r.stderr };
}

describe('bundled tokenize worker', () => {
  it('is built beside the bundle and used by the bundled CLI, with the same report as one thread', () => {
    expect(existsSync(join(dir, 'out', 'main', 'tokenize-worker.js'))).toBe(true);
    const one = inspect({ LATHE_TOKENIZE_WORKERS: '0' });
    expect(one.status, one.stderr).toBe(0);
    // poolAfter 0: every row goes to the workers, which must start (a failed start prints the LATHE_TOKENIZE_POOL warning).
    const pooled = inspect({ LATHE_TOKENIZE_WORKERS: '2', LATHE_TOKENIZE_POOL_AFTER: '0' });
    expect(pooled.status, pooled.stderr).toBe(0);
    expect(pooled.stderr).not.toContain('LATHE_TOKENIZE_POOL');
    expect(pooled.json).toEqual(one.json);
    expect((one.json as { tokens: { count: number; truncated: number } }).tokens).toMatchObject({ count: 200, truncated: 200 });

    // Without the worker file the pool cannot start: the import says so and still finishes on one thread.
    rmSync(join(dir, 'out', 'main', 'tokenize-worker.js'));
    const missing = inspect({ LATHE_TOKENIZE_WORKERS: '2', LATHE_TOKENIZE_POOL_AFTER: '0' });
    expect(missing.status, missing.stderr).toBe(0);
    expect(missing.stderr).toContain('LATHE_TOKENIZE_POOL');
    expect(missing.json).toEqual(one.json);
  }, 120_000);
});
