// Before the browser tests: make sure the served build (out/) is not older than the sources, so the tests never
// silently exercise a stale UI. `npm test` builds first anyway; this covers `npm run test:e2e` after an edit.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  if (process.env.LATHE_E2E_NO_BUILD === '1') return;
  const outputs = [join(root, 'out/renderer/index.html'), join(root, 'out/main/cli.js')];
  const oldestOutput = Math.min(...outputs.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
  const newestSource = Math.max(...['renderer', 'main', 'preload'].map((d) => newestMtime(join(root, d))));
  if (oldestOutput >= newestSource) return;
  console.log('[e2e] out/ is older than the sources: running `electron-vite build` first (set LATHE_E2E_NO_BUILD=1 to skip)');
  const r = spawnSync(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('electron-vite build failed; the browser tests need a built app (out/). Fix the build and rerun.');
}
