// Forward benchmark: prompt processing (512 tokens) and generation tok/s, ours vs llama.cpp (node-llama-cpp) on the same
// ~120M random Llama (SmolLM2-135M config with a 32000 vocab), 2 threads: f32 vs F32 GGUF, nf4 vs Q4_0. Needs `npm run build` (uses the CLI
// to make the model and GGUFs) and the native addon. Prints one JSON line per case; medians of several runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const THREADS = Number(process.env.BENCH_THREADS || 2);
const PP = Number(process.env.BENCH_PP || 512);
const GEN = Number(process.env.BENCH_GEN || 32);
const RUNS = Number(process.env.BENCH_RUNS || 3);
const dir = join(root, 'test', '.tmp', 'bench', 'smollm2-135m-random');
// The synthetic tokenizer tops out at 648 tokens, so the vocab comes from the real Llama 2 tokenizer (32000; SmolLM2 has 49152).
const tokDir = join(root, 'node_modules', '@lenml', 'tokenizer-llama2', 'models');
const VOCAB = 32000;

function cli(args) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'lathe.js'), ...args], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lathe ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function prepare() {
  if (!existsSync(join(root, 'out', 'main', 'cli.js'))) throw new Error('run `npm run build` first (the bench uses the CLI)');
  mkdirSync(join(root, 'test', '.tmp', 'bench'), { recursive: true });
  if (!existsSync(join(dir, 'config.json')))
    cli(['dev', 'make-tiny', '--arch', 'llama', '--tokenizer', tokDir, '--out', dir, '--hidden', '576', '--layers', '30', '--heads', '9',
      '--kv-heads', '3', '--intermediate', '1536', '--tied', '--seed', '1']);
  for (const type of ['f32', 'q4_0']) {
    const f = join(dir, `model-${type}.gguf`);
    if (!existsSync(f)) cli(['dev', 'gguf', '--model', dir, '--out', f, '--type', type]);
  }
}

function tokens(n, vocab, seed) {
  const out = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out.push(3 + (s % (vocab - 3)));
  }
  return out;
}

async function ours(quant, ids, prompt) {
  const addon = require(join(root, 'native', 'build', 'Release', 'lathe_native.node'));
  const engine = new addon.Engine(THREADS);
  const m = new addon.Model(engine);
  await m.load(dir, { quant, maxSeqLen: PP + GEN + 8 });
  const pp = [];
  await m.logprobs(Int32Array.from(ids.slice(0, 32)), 1, false); // warm-up
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await m.logprobs(Int32Array.from(ids), 1, false);
    pp.push(ids.length / ((performance.now() - t0) / 1000));
  }
  const gen = [];
  for (let r = 0; r < RUNS; r++) {
    let first = 0;
    let n = 0;
    await m.generate(Int32Array.from(prompt), { maxNewTokens: GEN }, () => {
      n++;
      if (n === 1) first = performance.now();
    });
    gen.push((n - 1) / ((performance.now() - first) / 1000));
  }
  const peak = m.memory().peak.total;
  const plan = m.plan(1, ids.length, 'score', 0).total;
  m.close();
  return { pp: median(pp), gen: median(gen), peak, plan };
}

async function llamacpp(ggufType, ids, prompt) {
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error', progressLogs: false });
  const model = await llama.loadModel({ modelPath: join(dir, `model-${ggufType}.gguf`), gpuLayers: 0 });
  const ctx = await model.createContext({ contextSize: PP + GEN + 16, batchSize: PP, threads: THREADS, sequences: 1 });
  const seq = ctx.getSequence();
  const pp = [];
  await seq.evaluateWithoutGeneratingNewTokens(ids.slice(0, 32));
  for (let r = 0; r < RUNS; r++) {
    await seq.clearHistory();
    const t0 = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(ids);
    pp.push(ids.length / ((performance.now() - t0) / 1000));
  }
  const gen = [];
  for (let r = 0; r < RUNS; r++) {
    await seq.clearHistory();
    let n = 0;
    let first = 0;
    for await (const _t of seq.evaluate(prompt, { temperature: 0 })) {
      n++;
      if (n === 1) first = performance.now();
      if (n >= GEN) break;
    }
    gen.push((n - 1) / ((performance.now() - first) / 1000));
  }
  await ctx.dispose();
  await model.dispose();
  return { pp: median(pp), gen: median(gen) };
}

prepare();
const ids = tokens(PP, VOCAB, 11);
const prompt = ids.slice(0, 16);
for (const [quant, gguf] of [['none', 'f32'], ['nf4', 'q4_0']]) {
  const a = await ours(quant, ids, prompt);
  const b = await llamacpp(gguf, ids, prompt);
  const line = {
    bench: 'forward', model: 'smollm2-135m-config-random-v32000', threads: THREADS, tokens: PP, ours: quant, llamacpp: gguf.toUpperCase(),
    ppTokPerSec: { ours: +a.pp.toFixed(1), llamacpp: +b.pp.toFixed(1), ratio: +(a.pp / b.pp).toFixed(3) },
    genTokPerSec: { ours: +a.gen.toFixed(1), llamacpp: +b.gen.toFixed(1), ratio: +(a.gen / b.gen).toFixed(3) },
    memory: { plannedBytes: a.plan, peakBytes: a.peak },
  };
  console.log(JSON.stringify(line));
}
