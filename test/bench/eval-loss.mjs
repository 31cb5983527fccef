// Evaluation throughput: `lathe eval` validation loss over chat rows of ~250 tokens (batched, padded, supervised tokens
// only) against a single-row forward pass at the forward benchmark's setting (same ~120M random Llama, same threads),
// printed as a ratio: 1.0 means evaluation costs no more per token than a bare forward. BENCH_EVAL_ROWS sets the rows
// (the figure is 1,000; the default keeps `npm run bench` short on a laptop). Needs `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const THREADS = Number(process.env.BENCH_THREADS || 2);
const ROWS = Number(process.env.BENCH_EVAL_ROWS || 64);
const RUNS = Number(process.env.BENCH_RUNS || 3);
const dir = join(root, 'test', '.tmp', 'bench', 'smollm2-135m-random');
const tokDir = join(root, 'node_modules', '@lenml', 'tokenizer-llama2', 'models');

function cli(args) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'lathe.js'), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`lathe ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!existsSync(join(root, 'out', 'main', 'cli.js'))) throw new Error('run `npm run build` first (the bench uses the CLI)');
mkdirSync(join(root, 'test', '.tmp', 'bench'), { recursive: true });
// The forward benchmark's model (made here too when that benchmark has not run yet).
if (!existsSync(join(dir, 'config.json')))
  cli(['dev', 'make-tiny', '--arch', 'llama', '--tokenizer', tokDir, '--out', dir, '--hidden', '576', '--layers', '30', '--heads', '9', '--kv-heads', '3', '--intermediate', '1536', '--tied', '--seed', '1']);

// Rows of ~250 tokens: a ~60-token question and a ~190-token answer of everyday words.
const WORDS = 'the river runs past a small town where people grow bread and apples in summer while children learn numbers maps and music at school'.split(' ');
let s = 7;
const word = () => WORDS[(s = (s * 1103515245 + 12345) % 2147483648) % WORDS.length];
const text = (n) => Array.from({ length: n }, word).join(' ');
const file = join(root, 'test', '.tmp', 'bench', `eval-rows-${ROWS}.jsonl`);
writeFileSync(file, Array.from({ length: ROWS }, () => JSON.stringify({ messages: [{ role: 'user', content: text(50) }, { role: 'assistant', content: text(160) }] })).join('\n') + '\n');

// Baseline: one 256-token row per forward, as the forward benchmark measures prompt processing.
const addon = require(join(root, 'native', 'build', 'Release', 'lathe_native.node'));
const m = new addon.Model(new addon.Engine(THREADS));
await m.load(dir, { quant: 'none', maxSeqLen: 264 });
const ids = Int32Array.from({ length: 256 }, (_, i) => 3 + ((i * 7919) % 31990));
await m.logprobs(ids.subarray(0, 32), 1, false);
const fwd = [];
for (let r = 0; r < RUNS; r++) {
  const t0 = performance.now();
  await m.logprobs(ids, 1, false);
  fwd.push(ids.length / ((performance.now() - t0) / 1000));
}
m.close();
const forwardTps = median(fwd);

const evals = [];
for (let r = 0; r < Math.min(RUNS, 2); r++) {
  const res = JSON.parse(cli(['eval', '--model', dir, '--data', file, '--threads', String(THREADS), '--seq-len', '512', '--json']));
  evals.push(res);
}
const evalTps = median(evals.map((e) => e.tokensPerSecond));
const e = evals[0];
console.log(JSON.stringify({
  bench: 'eval-loss', rows: ROWS, supervisedTokens: e.adapter.tokens, threads: THREADS,
  evalTokensPerSecond: Math.round(evalTps), forwardTokensPerSecond: Math.round(forwardTps), ratio: Number((evalTps / forwardTps).toFixed(3)),
  wallSeconds: Number(median(evals.map((x) => x.seconds)).toFixed(2)),
}));
console.error(`validation loss over ${ROWS} rows: ${evalTps.toFixed(0)} tokens/s vs forward ${forwardTps.toFixed(0)} tokens/s -> ratio ${(evalTps / forwardTps).toFixed(2)}`);
