// `npm test`: type-check, lint, build, run the unit/native/integration suite, then the browser end-to-end suite, and print
// one closing line "tests: N passed, N failed, N skipped". Browser tests need Chromium: without it they are skipped
// loudly, unless LATHE_REQUIRE_BROWSER=1 (CI), which turns a missing browser into a failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const reports = join(root, 'test', '.tmp', 'reports');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function step(name, cmd, args, env = {}) {
  const started = Date.now();
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(`=== ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (r.status !== 0) failures.push(name);
  return r.status === 0;
}

function countReport(file) {
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += report.numFailedTests ?? 0;
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}

function vitest(name, extraArgs, reportName, env) {
  const file = join(reports, reportName);
  step(name, npx, ['vitest', 'run', ...extraArgs, '--reporter=default', '--reporter=json', `--outputFile.json=${file}`], env);
  countReport(file);
}

step('typecheck', npx, ['tsc', '--noEmit', '-p', 'tsconfig.json']);
step('lint', npx, ['eslint', '.']);
const built = step('build', npx, ['electron-vite', 'build']);
vitest('unit, addon and integration tests', [], 'unit.json');

const chromium = process.env.LATHE_CHROMIUM || '/usr/bin/chromium';
const requireBrowser = process.env.LATHE_REQUIRE_BROWSER === '1';
if (!existsSync(chromium)) {
  if (requireBrowser) {
    console.error(`\n!!! LATHE_REQUIRE_BROWSER=1 but no Chromium at ${chromium}. Install it (apt-get install chromium) or set LATHE_CHROMIUM.`);
    failures.push('browser tests (no Chromium)');
  } else {
    console.warn('\n' + '!'.repeat(100));
    console.warn(`!!! BROWSER END-TO-END TESTS SKIPPED: no Chromium at ${chromium}.`);
    console.warn('!!! Enable them with `apt-get install chromium` (Debian/Ubuntu) or LATHE_CHROMIUM=/path/to/chrome.');
    console.warn('!'.repeat(100));
  }
} else if (!built) {
  failures.push('browser tests (build failed)');
} else {
  vitest('browser end-to-end tests', ['--config', 'test/e2e/vitest.e2e.config.ts'], 'e2e.json', { LATHE_CHROMIUM: chromium });
}

console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
if (failures.length) {
  console.error(`failed steps: ${failures.join(', ')}`);
  process.exit(1);
}
