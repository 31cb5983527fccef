// Training benchmark: tokens/s of one QLoRA step (forward + backward + AdamW, seq 512, r=16 on all 7 modules, nf4,
// 2 threads) beside our forward tokens/s on the same ~120M random Llama (SmolLM2-135M shape, 32000 vocab; made by
// forward.mjs / the CLI). Prints one JSON line; medians of several runs. Model FLOPs: forward 2N + attention per token.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const THREADS = Number(process.env.BENCH_THREADS || 2);
const T = Number(process.env.BENCH_SEQ || 512);
const RUNS = Number(process.env.BENCH_RUNS || 3);
const dir = join(root, 'test', '.tmp', 'bench', 'smollm2-135m-random');
if (!existsSync(join(dir, 'config.json'))) {
  console.error('run test/bench/forward.mjs first (it makes the benchmark model)');
  process.exit(1);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const addon = require(join(root, 'native', 'build', 'Release', 'lathe_native.node'));
const engine = new addon.Engine(THREADS);
const m = new addon.Model(engine);
const info = await m.load(dir, { quant: 'nf4', maxSeqLen: T, lora: { r: 16, alpha: 16, dropout: 0, rslora: false, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], seed: 0, trainEmbeddings: false } });
const ids = Int32Array.from({ length: T }, (_, i) => 3 + ((i * 7919) % (info.vocabSize - 3)));
const targets = Int32Array.from({ length: T }, (_, i) => (i + 1 < T ? ids[i + 1] : -1));
const seeds = Float32Array.from({ length: T }, (_, i) => (i + 1 < T ? -1 / (T - 1) : 0));

await m.logprobs(ids.subarray(0, 32), 1, true);
const fwd = [];
for (let r = 0; r < RUNS; r++) {
  const t0 = performance.now();
  await m.logprobs(ids, 1, true);
  fwd.push(T / ((performance.now() - t0) / 1000));
}
m.resetPeak();
const train = [];
for (let r = 0; r < RUNS; r++) {
  const t0 = performance.now();
  await m.forwardTrain(ids, targets, 1, true, r);
  await m.backward(seeds);
  await m.step({ lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1, embeddingLr: 0, loraPlusRatio: 1 });
  train.push(T / ((performance.now() - t0) / 1000));
}
const C = info.hiddenSize, I = info.intermediateSize, L = info.layers, HD = info.headDim;
const Nmat = L * (C * info.heads * HD * 2 + 2 * C * info.kvHeads * HD + 3 * C * I);
const attnFwd = 2 * L * info.heads * HD * T; // causal: 4·L·d·T / 2 per token
const fwdFlopsPerTok = 2 * Nmat + attnFwd;
const trainModelFlopsPerTok = 4 * Nmat + 3 * attnFwd; // forward + activation-gradient backward, no recompute
const plan = m.planTrain(1, T, true);
console.log(JSON.stringify({
  bench: 'train', model: 'smollm2-135m-config-random-v32000', quant: 'nf4', loraR: 16, threads: THREADS, seq: T,
  forwardTokPerSec: +median(fwd).toFixed(1), trainTokPerSec: +median(train).toFixed(1),
  stepOverForward: +(median(fwd) / median(train)).toFixed(2),
  forwardGflops: +((median(fwd) * fwdFlopsPerTok) / 1e9).toFixed(2),
  trainModelGflops: +((median(train) * trainModelFlopsPerTok) / 1e9).toFixed(2),
  memory: { plannedBytes: plan.total, peakBytes: m.memory().peak.total },
}));
m.close();
