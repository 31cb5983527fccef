// Builds and runs the Vulkan op tests (native/tests/test_vulkan_*.cc: runtime, every op forward and backward against
// the CPU scalar reference). Without a usable Vulkan device (or without the headers/glslc to build them) the test is
// skipped with a loud reason, unless LATHE_REQUIRE_VULKAN=1 (CI, `npm run test:gpu`), which makes that a failure.
// CPU devices (lavapipe) count only with LATHE_VULKAN_ALLOW_CPU=1.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const required = process.env.LATHE_REQUIRE_VULKAN === '1';
let exe = '';
let skipReason = '';

function skipLoudly(reason: string): void {
  const bar = '!'.repeat(100);
  console.warn(`\n${bar}\n!!! VULKAN OP TESTS SKIPPED: ${reason}\n!!! Set LATHE_REQUIRE_VULKAN=1 to make this a failure.\n${bar}`);
}

describe('Vulkan op table (C++ tests against the CPU reference)', () => {
  beforeAll(() => {
    const out = execFileSync(process.execPath, [join(root, 'native/tests/build.mjs'), '--vulkan'], { cwd: root, encoding: 'utf8' });
    const skip = /^SKIP vulkan build: (.*)$/m.exec(out);
    if (skip) skipReason = `not built: ${skip[1]}`;
    exe = out.trim().split('\n').filter((l) => l.endsWith('vulkan_test')).pop() ?? '';
  }, 900_000);

  it('every Vulkan op case passes', (ctx) => {
    if (skipReason) {
      expect(required, `LATHE_REQUIRE_VULKAN=1 but the Vulkan tests were ${skipReason}`).toBe(false);
      skipLoudly(skipReason);
      ctx.skip();
      return;
    }
    expect(exe).not.toBe('');
    const run = spawnSync(exe, [], { encoding: 'utf8', timeout: 300_000 });
    const noDevice = /^SKIP vulkan: (.*)$/m.exec(run.stdout);
    if (noDevice) {
      expect(required, `LATHE_REQUIRE_VULKAN=1 but ${noDevice[1]}`).toBe(false);
      skipLoudly(noDevice[1]);
      ctx.skip();
      return;
    }
    const lines = run.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    const summary = lines.find((l) => /^vulkan ops: \d+ passed, \d+ failed$/.test(l));
    expect(summary, `no summary line; stderr: ${run.stderr}`).toBeDefined();
    const [, passed, failed] = /^vulkan ops: (\d+) passed, (\d+) failed$/.exec(summary!)!;
    expect(Number(failed)).toBe(0);
    expect(Number(passed)).toBeGreaterThan(100);
    expect(run.status).toBe(0);
  }, 300_000);
});
