// Builds the standalone op tests (and, with --bench, the GEMM benchmark) with g++ directly: no node-gyp, no addon.
// Sources: native/src/{core/threadpool,core/cpu_features}.cc + quant/*.cc + cpu/*.cc; *_avx2.cc / *_avx512.cc get
// their SIMD flags exactly as binding.gyp gives them. Objects are cached by mtime in native/build/tests/.
// Usage: node native/tests/build.mjs [--bench] [--debug]   -> prints the path of each built binary.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(nativeDir, 'build', 'tests');
mkdirSync(outDir, { recursive: true });
const debug = process.argv.includes('--debug');
const cxx = process.env.CXX ?? 'g++';
const base = ['-std=c++20', debug ? '-O1' : '-O3', '-g', '-fno-math-errno', '-Wall', '-Wno-unused-parameter',
  '-Wno-sign-compare', '-I', join(nativeDir, 'src'), '-I', join(nativeDir, 'tests')];
const simd = (f) => (f.endsWith('_avx512.cc') ? ['-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-mfma', '-mf16c']
  : f.endsWith('_avx2.cc') ? ['-mavx2', '-mfma', '-mf16c'] : []);
const ccIn = (d) => readdirSync(join(nativeDir, d)).filter((f) => f.endsWith('.cc')).map((f) => join(nativeDir, d, f));

const engine = [join(nativeDir, 'src/core/threadpool.cc'), join(nativeDir, 'src/core/cpu_features.cc'),
  ...ccIn('src/quant'), ...ccIn('src/cpu')];
const headers = [...['src/core', 'src/quant', 'src/cpu', 'tests'].flatMap((d) =>
  readdirSync(join(nativeDir, d)).filter((f) => f.endsWith('.h')).map((f) => join(nativeDir, d, f)))];
const newestHeader = Math.max(...headers.map((h) => statSync(h).mtimeMs));

function compile(src) {
  const obj = join(outDir, src.slice(nativeDir.length + 1).replaceAll('/', '_').replace(/\.cc$/, '.o'));
  if (!existsSync(obj) || statSync(obj).mtimeMs < Math.max(statSync(src).mtimeMs, newestHeader)) {
    execFileSync(cxx, [...base, ...simd(src), '-c', src, '-o', obj], { stdio: 'inherit' });
  }
  return obj;
}

function link(name, mainSources) {
  const objs = [...engine, ...mainSources].map(compile);
  const exe = join(outDir, name);
  execFileSync(cxx, [...objs, '-o', exe, '-lpthread'], { stdio: 'inherit' });
  console.log(exe);
}

link('ops_test', ccIn('tests'));
if (process.argv.includes('--bench')) link('gemm_bench', ccIn('bench'));
