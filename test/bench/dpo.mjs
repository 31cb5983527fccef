// DPO step cost against an SFT step on the same tokens: one (chosen, rejected) pair of seq T as a 2-row batch, QLoRA
// (nf4, r=16, all 7 modules) on the ~120M random Llama that forward.mjs makes. DPO's reference log-probs are cached
// (one adapter-off scoring pass per pair, once per run), so a DPO step is the SFT step plus per-row sums and seeds.
// Prints one JSON line with medians and the ratios (goal: dpoStepOverSftStep <= 2.2).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const THREADS = Number(process.env.BENCH_THREADS || 2);
const T = Number(process.env.BENCH_SEQ || 256);
const RUNS = Number(process.env.BENCH_RUNS || 3);
const BETA = 0.1;
const dir = join(root, 'test', '.tmp', 'bench', 'smollm2-135m-random');
if (!existsSync(join(dir, 'config.json'))) {
  const tokDir = join(root, 'node_modules', '@lenml', 'tokenizer-llama2', 'models');
  const r = spawnSync(process.execPath, [join(root, 'bin', 'lathe.js'), 'dev', 'make-tiny', '--arch', 'llama', '--tokenizer', tokDir, '--out', dir, '--hidden', '576', '--layers', '30', '--heads', '9', '--kv-heads', '3', '--intermediate', '1536', '--tied', '--seed', '1'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`making the benchmark model failed (build the app first):\n${r.stderr}`);
    process.exit(1);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const addon = require(join(root, 'native', 'build', 'Release', 'lathe_native.node'));
const engine = new addon.Engine(THREADS);
const m = new addon.Model(engine);
const info = await m.load(dir, { quant: 'nf4', maxSeqLen: T + 1, lora: { r: 16, alpha: 32, dropout: 0, rslora: false, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], seed: 0, trainEmbeddings: false } });

// A shared prompt (first half), then two different answers; T+1 tokens per row so every position has a target.
const tok = (i, salt) => 3 + ((i * 7919 + salt * 104729) % (info.vocabSize - 3));
const half = Math.floor(T / 2);
const rows = [0, 1].map((side) => Int32Array.from({ length: T + 1 }, (_, i) => tok(i, i < half ? 0 : side + 1)));
const ids = new Int32Array(2 * T);
const targets = new Int32Array(2 * T);
const weights = new Float32Array(2 * T);
rows.forEach((r, b) => {
  ids.set(r.subarray(0, T), b * T);
  targets.set(r.subarray(1), b * T);
  for (let t = half; t < T; t++) weights[b * T + t] = 1;
});
const supervised = weights.reduce((a, b) => a + b, 0);
const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const rowSums = (lp) => [0, 1].map((b) => { let s = 0; for (let t = b * T; t < (b + 1) * T; t++) s += weights[t] * lp[t]; return s; });

// The reference pass: adapter off, through the scoring path (T+1 ids per row), as the trainer does once per pair.
const refIds = new Int32Array(2 * (T + 1));
rows.forEach((r, b) => refIds.set(r, b * (T + 1)));
await m.logprobs(refIds.subarray(0, 2 * 32), 2, false); // warm-up
const refTimes = [];
let ref = [0, 0];
for (let r = 0; r < RUNS; r++) {
  const t0 = performance.now();
  const lp = await m.logprobs(refIds, 2, false);
  refTimes.push((performance.now() - t0) / 1000);
  ref = rowSums(lp);
}

const sftSeeds = Float32Array.from(weights, (w) => -w / supervised);
const sft = [];
const dpo = [];
for (let r = 0; r < RUNS; r++) {
  let t0 = performance.now();
  await m.forwardTrain(ids, targets, 2, true, r);
  await m.backward(sftSeeds);
  await m.step({ lr: 1e-5, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1, embeddingLr: 0, loraPlusRatio: 1 });
  sft.push((performance.now() - t0) / 1000);

  t0 = performance.now();
  const lp = await m.forwardTrain(ids, targets, 2, true, r);
  const [c, j] = rowSums(lp);
  const h = BETA * (c - ref[0] - (j - ref[1]));
  const dh = -sigmoid(-h) * BETA;
  const seeds = Float32Array.from(weights, (w, i) => (i < T ? w * dh : -w * dh));
  await m.backward(seeds);
  await m.step({ lr: 1e-5, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1, embeddingLr: 0, loraPlusRatio: 1 });
  dpo.push((performance.now() - t0) / 1000);
}
console.log(JSON.stringify({
  bench: 'dpo', model: 'smollm2-135m-config-random-v32000', quant: 'nf4', loraR: 16, threads: THREADS, seq: T, rowsPerStep: 2,
  sftStepSeconds: +median(sft).toFixed(3), dpoStepSeconds: +median(dpo).toFixed(3), referencePassSeconds: +median(refTimes).toFixed(3),
  dpoStepOverSftStep: +(median(dpo) / median(sft)).toFixed(2),
  // Without the cache a DPO step would also pay the reference pass every time.
  uncachedDpoStepOverSftStep: +((median(dpo) + median(refTimes)) / median(sft)).toFixed(2),
}));
m.close();
