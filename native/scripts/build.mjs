// Builds the native engine: the Vulkan shaders (glslc, only when the Vulkan headers and glslc are found), the N-API
// addon (node-gyp, always; it links the Vulkan backend when the shaders were built) and the CUDA backend (nvcc, only
// when nvcc is found).
// Runs as the package's install script, so `npm install` on a fresh clone leaves a working engine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildShaders } from './vulkan-shaders.mjs';

const nativeDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const jobs = String(Math.max(1, Number(process.env.LATHE_BUILD_JOBS) || (await import('node:os')).availableParallelism()));

function run(cmd, args, opts = {}) {
  console.log(`[lathe build] ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: nativeDir, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function buildAddon() {
  const gyp = process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)
    ? process.env.npm_config_node_gyp
    : require.resolve('node-gyp/bin/node-gyp.js');
  // Prefer the headers that ship beside this Node (no download needed); npm passes its own nodedir when set.
  const extra = [];
  const prefix = resolve(dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) extra.push(`--nodedir=${prefix}`);
  // --incremental (development): re-configure (picks up new source files) and rebuild only what changed.
  const incremental = process.argv.includes('--incremental') && existsSync(join(nativeDir, 'build', 'Makefile'));
  let status = incremental ? run(process.execPath, [gyp, 'configure', ...extra]) : 0;
  if (status === 0) status = run(process.execPath, [gyp, incremental ? 'build' : 'rebuild', `--jobs=${jobs}`, ...extra]);
  if (status !== 0) {
    console.error('[lathe build] the engine addon failed to build. A C++20 compiler (g++ >= 10, clang >= 12 or MSVC 2022) and Python 3 are needed.');
    process.exit(status);
  }
}

function findNvcc() {
  if (process.env.LATHE_NO_CUDA) return null;
  const candidates = [process.env.NVCC, process.env.CUDA_PATH && join(process.env.CUDA_PATH, 'bin', 'nvcc'), '/usr/local/cuda/bin/nvcc'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  const which = spawnSync(process.platform === 'win32' ? 'where' : 'which', ['nvcc'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.split(/\r?\n/)[0].trim() || null : null;
}

/** The CUDA backend is a separate shared library so the addon loads (and the app runs) on machines without CUDA. */
function buildCuda() {
  const nvcc = findNvcc();
  if (!nvcc) {
    console.log('[lathe build] nvcc not found: CUDA backend skipped (CPU backend only). Set NVCC=/path/to/nvcc to build it.');
    return;
  }
  const srcDir = join(nativeDir, 'src', 'cuda');
  const sources = readdirSync(srcDir).filter((f) => f.endsWith('.cu')).map((f) => join(srcDir, f));
  const outDir = join(nativeDir, 'build', 'cuda');
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, process.platform === 'win32' ? 'lathe_cuda.dll' : 'liblathe_cuda.so');
  const newest = Math.max(...sources.map((s) => statSync(s).mtimeMs), ...readdirSync(srcDir).filter((f) => f.endsWith('.cuh')).map((f) => statSync(join(srcDir, f)).mtimeMs));
  if (existsSync(out) && statSync(out).mtimeMs > newest && !process.env.LATHE_FORCE_CUDA) {
    console.log('[lathe build] CUDA backend up to date');
    return;
  }
  // Turing through Hopper as SASS, plus PTX for newer GPUs to JIT.
  const archs = (process.env.LATHE_CUDA_ARCHS || '75,80,86,89,90').split(',');
  const gencode = archs.flatMap((a) => ['-gencode', `arch=compute_${a},code=sm_${a}`]);
  const last = archs[archs.length - 1];
  gencode.push('-gencode', `arch=compute_${last},code=compute_${last}`);
  const args = ['-O3', '-std=c++17', '-shared', '-cudart', 'static', ...gencode, '-I', join(nativeDir, 'src'), '-o', out, ...sources];
  if (process.platform !== 'win32') args.splice(3, 0, '-Xcompiler', '-fPIC');
  const status = run(nvcc, args);
  if (status !== 0) {
    console.error('[lathe build] the CUDA backend failed to build; the CPU backend still works. Set LATHE_NO_CUDA=1 to skip it.');
    process.exit(status);
  }
}

try {
  buildShaders();
} catch (e) {
  console.error(`${e.message}\n[lathe build] fix the shader, or set LATHE_NO_VULKAN=1 to build without the Vulkan backend.`);
  process.exit(1);
}
buildAddon();
if (!process.argv.includes('--no-cuda')) buildCuda();
