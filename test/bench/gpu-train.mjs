// GPU section of `npm run bench`: QLoRA training on the Vulkan backend (nf4 base, r=16 on all 7 modules, gradient
// checkpointing, micro-batch 1) on random-weight Llama-3.2-1B and Llama-3.1-8B shapes at seq 2048: tokens/s, MFU
// against the device's peak (BENCH_GPU_PEAK_TFLOPS, or a small table of known GPUs), the engine's memory plan against
// the device memory the driver reports (VK_EXT_memory_budget). Where Python has torch (CUDA) + transformers + peft,
// the same shapes run as bf16 LoRA with SDPA and gradient checkpointing (test/bench/peft_baseline.py) and the line
// carries the ratios, measured in the same run. On a CPU Vulkan device (lavapipe, only with BENCH_GPU_ALLOW_CPU=1) a
// tiny shape runs and the line says its numbers mean nothing for GPU speed. Without a usable GPU: one "skipped" line.
// BENCH_GPU_SHAPES=1b,8b picks shapes; BENCH_GPU_SEQ, BENCH_RUNS override the sequence length and timed steps.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const addon = require(join(root, 'native', 'build', 'Release', 'lathe_native.node'));
const RUNS = Number(process.env.BENCH_RUNS || 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const tokDir = join(root, 'node_modules', '@lenml', 'tokenizer-llama3', 'models');

const SHAPES = {
  '1b': { name: 'llama-3.2-1b-shape', hidden: 2048, layers: 16, heads: 32, kvHeads: 8, intermediate: 8192, tied: true },
  '8b': { name: 'llama-3.1-8b-shape', hidden: 4096, layers: 32, heads: 32, kvHeads: 8, intermediate: 14336, tied: false },
  tiny: { name: 'tiny-llama3-vocab', hidden: 256, layers: 2, heads: 4, kvHeads: 2, intermediate: 512, tied: true },
};
// Dense fp16/bf16 tensor-core peaks (TFLOPS) of GPUs we expect to meet; MFU is null for others unless given.
const PEAK_TFLOPS = [[/H200|H100.*SXM/i, 989], [/H100/i, 756], [/A100/i, 312], [/RTX 4090/i, 165], [/RTX 4080/i, 97], [/RTX 3090/i, 71], [/RTX 4070/i, 58]];

const devices = (addon.probeBackends().vulkanDevices ?? []).filter((d) => d.usable);
const allowCpu = process.env.BENCH_GPU_ALLOW_CPU === '1';
const gpu = devices.find((d) => d.type === 'discrete') ?? devices.find((d) => d.type === 'integrated') ?? (allowCpu ? devices.find((d) => d.type === 'cpu') : undefined);
if (!gpu) {
  console.log(JSON.stringify({ bench: 'gpu-train', skipped: devices.length ? 'only a CPU Vulkan device (set BENCH_GPU_ALLOW_CPU=1 and LATHE_VULKAN_ALLOW_CPU=1 to run the tiny shape on it)' : 'no usable Vulkan GPU (or no Vulkan backend in this build)' }));
  process.exit(0);
}
const onCpuDevice = gpu.type === 'cpu';
const shapes = (process.env.BENCH_GPU_SHAPES || (onCpuDevice ? 'tiny' : '1b,8b')).split(',').map((s) => s.trim()).filter(Boolean);
const T = Number(process.env.BENCH_GPU_SEQ || (onCpuDevice ? 128 : 2048));
const peak = Number(process.env.BENCH_GPU_PEAK_TFLOPS) || PEAK_TFLOPS.find(([re]) => re.test(gpu.name))?.[1] || null;

function cli(args) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'lathe.js'), ...args], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lathe ${args.join(' ')} failed:\n${r.stderr}`);
}

function makeModel(shape) {
  const dir = join(root, 'test', '.tmp', 'bench', shape.name);
  if (!existsSync(join(dir, 'config.json'))) {
    mkdirSync(dir, { recursive: true });
    cli(['dev', 'make-tiny', '--arch', 'llama', '--tokenizer', tokDir, '--out', dir, '--dtype', 'bf16', '--rope-scaling', 'llama3',
      '--hidden', String(shape.hidden), '--layers', String(shape.layers), '--heads', String(shape.heads), '--kv-heads', String(shape.kvHeads),
      '--intermediate', String(shape.intermediate), ...(shape.tied ? ['--tied'] : []), '--shards', shape.layers > 16 ? '4' : '1', '--seed', '1']);
  }
  return dir;
}

// The same run in PyTorch + PEFT (bf16 LoRA, SDPA, gradient checkpointing), when this machine has them and CUDA.
function peftBaseline(dir) {
  const py = process.env.PYTHON || 'python3';
  const r = spawnSync(py, [join(root, 'test', 'bench', 'peft_baseline.py'), dir, String(T), String(RUNS)], { encoding: 'utf8', timeout: 900_000 });
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) return { unavailable: ((r.stderr ?? '').trim().split('\n').pop() || `exit ${r.status}`).slice(0, 200) };
  return JSON.parse(line);
}

for (const key of shapes) {
  const shape = SHAPES[key];
  if (!shape) throw new Error(`unknown shape ${key} (known: ${Object.keys(SHAPES).join(', ')})`);
  const dir = makeModel(shape);
  const engine = new addon.Engine(2);
  const m = new addon.Model(engine);
  const info = await m.load(dir, { device: `vulkan:${gpu.index}`, quant: 'nf4', maxSeqLen: T, lora: { r: 16, alpha: 16, dropout: 0, rslora: false, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], seed: 0, trainEmbeddings: false } });
  const ids = Int32Array.from({ length: T }, (_, i) => 3 + ((i * 7919) % (info.vocabSize - 3)));
  const targets = Int32Array.from({ length: T }, (_, i) => (i + 1 < T ? ids[i + 1] : -1));
  const seeds = Float32Array.from({ length: T }, (_, i) => (i + 1 < T ? -1 / (T - 1) : 0));
  const plan = m.planTrain(1, T, true);
  // The driver's figure for this process's device heap (VK_EXT_memory_budget; else the backend's own allocations):
  // weights, adapter, optimizer state and activations, as torch.cuda.max_memory_allocated counts them.
  let devicePeak = 0;
  const sample = () => { devicePeak = Math.max(devicePeak, m.memory().device?.usedBytes ?? 0); };
  const step = async (r) => {
    await m.forwardTrain(ids, targets, 1, true, r);
    sample();
    await m.backward(seeds);
    sample();
    await m.step({ lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1, embeddingLr: 0, loraPlusRatio: 1 });
    sample();
  };
  await step(0);  // warm-up: pipelines compiled, buffers allocated
  const tps = [];
  for (let r = 1; r <= RUNS; r++) {
    const t0 = performance.now();
    await step(r);
    tps.push(T / ((performance.now() - t0) / 1000));
  }
  const C = info.hiddenSize, I = info.intermediateSize, L = info.layers, HD = info.headDim;
  const Nmat = L * (C * info.heads * HD * 2 + 2 * C * info.kvHeads * HD + 3 * C * I) + info.vocabSize * C;
  const attn = 2 * L * info.heads * HD * T;
  // Forward, the checkpoint recompute and the activation-gradient backward: three passes over the frozen weights.
  const flopsPerTok = 6 * Nmat + 4 * attn;
  const ours = median(tps);
  const result = {
    bench: 'gpu-train', device: gpu.name, deviceType: gpu.type, backend: info.backend, model: shape.name, parameters: info.parameters,
    quant: 'nf4', loraR: 16, seq: T, trainTokPerSec: +ours.toFixed(1),
    tflops: +((ours * flopsPerTok) / 1e12).toFixed(2), mfu: peak ? +((ours * flopsPerTok) / (peak * 1e12)).toFixed(4) : null,
    memory: { plannedBytes: plan.total, devicePeakBytes: devicePeak, planOverMeasured: devicePeak ? +(plan.total / devicePeak).toFixed(3) : null },
  };
  if (onCpuDevice) result.note = 'CPU Vulkan device (lavapipe): these numbers say nothing about GPU speed';
  else {
    const torch = peftBaseline(dir);
    result.pytorchPeft = torch;
    if (!torch.unavailable) result.ratios = { tokPerSecVsPeft: +(ours / torch.tokPerSec).toFixed(2), peakMemoryVsPeft: +(devicePeak / torch.peakBytes).toFixed(3) };
  }
  console.log(JSON.stringify(result));
  m.close();
}
