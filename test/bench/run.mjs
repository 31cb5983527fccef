// `npm run bench`: runs every benchmark script (test/bench/*.mjs, then native/bench/*.mjs) in turn.
// Each prints one JSON line per case, with ratios against a baseline measured in the same run; this runner only
// collects them into test/.tmp/bench/results.jsonl. Pass names to run a subset: `npm run bench -- forward data`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const scripts = ['test/bench', 'native/bench']
  .filter((d) => existsSync(join(root, d)))
  .flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.mjs') && f !== 'run.mjs').sort().map((f) => join(d, f)))
  .filter((s) => !wanted.length || wanted.some((w) => s.includes(w)));

if (!scripts.length) {
  console.error(`no benchmark matched ${wanted.join(', ') || '(none found)'}`);
  process.exit(1);
}
const out = join(root, 'test', '.tmp', 'bench');
mkdirSync(out, { recursive: true });
const lines = [];
let failed = 0;
for (const script of scripts) {
  console.error(`\n=== ${script}`);
  const r = spawnSync(process.execPath, [join(root, script)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  process.stdout.write(r.stdout ?? '');
  for (const line of (r.stdout ?? '').split('\n')) {
    if (line.trim().startsWith('{')) lines.push(line.trim());
  }
  if (r.status !== 0) {
    failed++;
    console.error(`=== ${script} FAILED (exit ${r.status})`);
  }
}
writeFileSync(join(out, 'results.jsonl'), lines.join('\n') + '\n');
console.error(`\n${lines.length} results from ${scripts.length} benchmarks -> test/.tmp/bench/results.jsonl`);
process.exit(failed ? 1 : 0);
