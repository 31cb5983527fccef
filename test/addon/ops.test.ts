// Builds the standalone C++ op tests (native/tests, g++ only: no addon) and fails on any FAIL line or a bad summary.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let exe = '';

describe('native op table (C++ tests)', () => {
  beforeAll(() => {
    const out = execFileSync(process.execPath, [join(root, 'native/tests/build.mjs')], { cwd: root, encoding: 'utf8' });
    exe = out.trim().split('\n').filter((l) => l.endsWith('ops_test')).pop() ?? '';
  }, 600_000);

  it('every op case passes', () => {
    expect(exe).not.toBe('');
    const run = spawnSync(exe, [], { encoding: 'utf8', timeout: 120_000 });
    const lines = run.stdout.split('\n');
    const failures = lines.filter((l) => l.startsWith('FAIL'));
    expect(failures).toEqual([]);
    const summary = lines.find((l) => /^ops: \d+ passed, \d+ failed$/.test(l));
    expect(summary, `no summary line; stderr: ${run.stderr}`).toBeDefined();
    const [, passed, failed] = /^ops: (\d+) passed, (\d+) failed$/.exec(summary!)!;
    expect(Number(failed)).toBe(0);
    expect(Number(passed)).toBeGreaterThan(100);
    expect(run.status).toBe(0);
  }, 120_000);
});
