// GRPO generation benchmark: a group of G completions of one prompt, as G single-stream generate() calls (what GRPO
// did before) vs one generateGroup() (one prefill, the group decoding together), on the forward benchmark's ~120M
// random Llama, nf4, 2 threads. Prints generated tokens/s of both and their ratio, measured in the same run.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const THREADS = Number(process.env.BENCH_THREADS || 2);
const G = Number(process.env.BENCH_GROUP || 8);
const NEW = Number(process.env.BENCH_GEN || 32);
const PROMPT = Number(process.env.BENCH_PROMPT || 128);
const dir = join(root, 'test', '.tmp', 'bench', 'smollm2-135m-random');
if (!existsSync(join(dir, 'config.json'))) {
  console.error('run test/bench/forward.mjs first (it makes the benchmark model)');
  process.exit(1);
}
const addon = require(join(root, 'native', 'build', 'Release', 'lathe_native.node'));
const engine = new addon.Engine(THREADS);
const m = new addon.Model(engine);
const info = await m.load(dir, { quant: 'nf4', maxSeqLen: PROMPT + NEW + 1, lora: { r: 16, alpha: 16, dropout: 0, rslora: false, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], seed: 0, trainEmbeddings: false } });
const prompt = Int32Array.from({ length: PROMPT }, (_, i) => 3 + ((i * 7919) % (info.vocabSize - 3)));
const seeds = Array.from({ length: G }, (_, i) => 1000 + i);
// Temperature 1 and no stop token: every member generates exactly NEW tokens in both modes.
const opts = { maxNewTokens: NEW, temperature: 1 };

await m.generate(prompt.subarray(0, 16), { maxNewTokens: 2 });  // warm-up
let t0 = performance.now();
let single = 0;
for (const seed of seeds) single += (await m.generate(prompt, { ...opts, seed })).tokens.length;
const singleS = (performance.now() - t0) / 1000;
t0 = performance.now();
const group = await m.generateGroup(prompt, opts, seeds);
const groupS = (performance.now() - t0) / 1000;
const grouped = group.tokens.reduce((s, t) => s + t.length, 0);
console.log(JSON.stringify({
  bench: 'grpo-generation', model: 'smollm2-135m-config-random-v32000', quant: 'nf4', threads: THREADS, group: G, promptTokens: PROMPT, newTokens: NEW,
  singleStreamTokPerSec: +(single / singleS).toFixed(1), groupTokPerSec: +(grouped / groupS).toFixed(1),
  groupOverSingle: +((grouped / groupS) / (single / singleS)).toFixed(2),
}));
m.close();
