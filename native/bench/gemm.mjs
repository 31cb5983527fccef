// `npm run bench` entry for the C++ micro-benchmarks: builds native/bench/gemm_bench.cc (g++, no addon needed) and
// prints its JSON lines: the machine's fp32 FMA peak (the MFU denominator) and GEMM GFLOP/s per weight type.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const build = spawnSync(process.execPath, [join(root, 'native/tests/build.mjs'), '--bench'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) process.exit(build.status ?? 1);
const modes = (process.env.BENCH_GEMM_MODES || 'f32,nf4').split(',');
for (const [i, mode] of modes.entries()) {
  const args = [mode, process.env.BENCH_THREADS || '2', ...(i > 0 ? ['nopeak'] : [])];
  const r = spawnSync(join(root, 'native/build/tests/gemm_bench'), args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
