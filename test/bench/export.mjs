// Benchmark: export a ~135M-parameter Llama-shaped model (SmolLM-135M's widths: hidden 576, ffn 1536, 9/3 heads, tied,
// bf16, Llama 3 vocabulary) with a rank-16 adapter merged in, to GGUF Q4_K_M and Q8_0. Reports seconds, MB/s of
// weights read, and peak RSS against the model size (memory stays flat: one tensor at a time). llama.cpp's quantize
// tool is not reachable from node-llama-cpp, so there is no side-by-side time; MB/s is the figure. The peak is set by
// the largest single tensor (the 128k x 576 embedding, held as f32 while it is quantized), not by the model size.
// Env: BENCH_LAYERS (default 20), BENCH_QUANTS (default q4_k_m,q8_0).
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runnerImport } from 'vite';

const root = new URL('../..', import.meta.url).pathname;
const tmp = join(root, 'test', '.tmp', 'bench', 'export');
mkdirSync(tmp, { recursive: true });
const LAYERS = Number(process.env.BENCH_LAYERS ?? 20);
const QUANTS = (process.env.BENCH_QUANTS ?? 'q4_k_m,q8_0').split(',');
const load = async (p) => (await runnerImport(join(root, p))).module;

const { makeTinyModel } = await load('main/models/make-tiny.ts');
const { readModelDir } = await load('main/models/model-dir.ts');
const { exportGguf } = await load('main/export/gguf-model.ts');
const { mergedSource } = await load('main/export/merge-source.ts');
const { readPeftAdapter } = await load('main/export/peft-adapter.ts');
const { writeTinyAdapter } = await load('test/helpers/tiny-adapter.ts');

const modelDir = join(tmp, `smol-shaped-${LAYERS}`);
if (!existsSync(join(modelDir, 'config.json'))) {
  await makeTinyModel({
    arch: 'llama', tokenizerDir: join(root, 'node_modules', '@lenml', 'tokenizer-llama3', 'models'), out: modelDir,
    hidden: 576, intermediate: 1536, layers: LAYERS, heads: 9, kvHeads: 3, tied: true, dtype: 'bf16', std: 0.02,
  });
}
const info = await readModelDir(modelDir);
const adapterDir = join(tmp, `adapter-${LAYERS}`);
if (!existsSync(join(adapterDir, 'adapter_config.json'))) await writeTinyAdapter(modelDir, adapterDir, { r: 16, std: 0.02 });
const adapter = await readPeftAdapter(adapterDir);
const weightBytes = info.weightFiles.reduce((a, f) => a + statSync(join(modelDir, f)).size, 0);

for (const quant of QUANTS) {
  const out = join(tmp, `model-${quant}.gguf`);
  rmSync(out, { force: true });
  const src = await mergedSource(modelDir, adapter);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await exportGguf(modelDir, out, { outType: quant, read: (i) => src.read(i.name) });
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  // CPU seconds too: on a shared machine the wall time includes waiting for a core.
  const cpuSeconds = (c.user + c.system) / 1e6;
  const rss = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({
    bench: 'export-gguf', quant, parameters: info.parameterCount, layers: LAYERS, seconds: +seconds.toFixed(2), cpuSeconds: +cpuSeconds.toFixed(2),
    cpuMBps: +(weightBytes / 1e6 / cpuSeconds).toFixed(1),
    inputMBps: +(weightBytes / 1e6 / seconds).toFixed(1), outputMB: +(statSync(out).size / 1e6).toFixed(1),
    peakRssMB: +(rss / 1e6).toFixed(0), modelMB: +(weightBytes / 1e6).toFixed(0),
  }));
  rmSync(out, { force: true });
}
