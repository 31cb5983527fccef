// Builds the standalone op tests (and, with --bench, the GEMM benchmark) with g++ directly: no node-gyp, no addon.
// Sources: native/src/{core/threadpool,core/cpu_features}.cc + quant/*.cc + cpu/*.cc; *_avx2.cc / *_avx512.cc get
// their SIMD flags exactly as binding.gyp gives them. Objects are cached by mtime in native/build/tests/.
// Usage: node native/tests/build.mjs [--bench] [--debug]   -> prints the path of each built binary.
//        node native/tests/build.mjs --vulkan  -> only vulkan_test (Vulkan runtime + ops vs the CPU reference), after
//        compiling the shaders; prints "SKIP vulkan build: <reason>" instead when the headers or glslc are missing.
//        node native/tests/build.mjs --vulkan --bench  -> also vulkan_bench (per-op GPU timings, test/bench/vulkan.mjs).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildShaders, genDir } from '../scripts/vulkan-shaders.mjs';

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
// The Vulkan tests (test_vulkan_*.cc) form their own binary; ops_test never links them.
const isVulkanTest = (f) => /[\\/]test_vulkan_[^\\/]*\.cc$/.test(f);

const engine = [join(nativeDir, 'src/core/threadpool.cc'), join(nativeDir, 'src/core/cpu_features.cc'),
  ...ccIn('src/quant'), ...ccIn('src/cpu')];
const headersIn = (dirs) => dirs.flatMap((d) => (existsSync(join(nativeDir, d)) ? readdirSync(join(nativeDir, d)) : [])
  .filter((f) => f.endsWith('.h') && !f.startsWith('vulkan_')).map((f) => join(nativeDir, d, f)));
const newest = (files) => Math.max(0, ...files.map((h) => statSync(h).mtimeMs));
const newestHeader = newest(headersIn(['src/core', 'src/quant', 'src/cpu', 'tests']));
// Vulkan headers only invalidate the Vulkan objects, so editing a shader wrapper does not rebuild the CPU engine.
const newestVkHeader = Math.max(newestHeader, newest(headersIn(['src/vulkan'])),
  newest(readdirSync(join(nativeDir, 'tests')).filter((f) => f.startsWith('vulkan_') && f.endsWith('.h')).map((f) => join(nativeDir, 'tests', f))));
const isVulkanObj = (f) => /[\\/](src[\\/]vulkan|gen|bench[\\/]vulkan)[\\/]/.test(f) || isVulkanTest(f);

function compile(src, extra = []) {
  const obj = join(outDir, src.slice(nativeDir.length + 1).replaceAll('/', '_').replace(/\.cc$/, '.o'));
  const deps = isVulkanObj(src) ? newestVkHeader : newestHeader;
  if (!existsSync(obj) || statSync(obj).mtimeMs < Math.max(statSync(src).mtimeMs, deps)) {
    // Temp file + rename: vitest may run ops.test.ts and vulkan-ops.test.ts (both build here) at the same time.
    const tmp = `${obj}.${process.pid}.tmp`;
    execFileSync(cxx, [...base, ...extra, ...simd(src), '-c', src, '-o', tmp], { stdio: 'inherit' });
    renameSync(tmp, obj);
  }
  return obj;
}

function link(name, mainSources, extra = [], libs = []) {
  const objs = [...engine, ...mainSources].map((s) => compile(s, extra));
  const exe = join(outDir, name);
  execFileSync(cxx, [...objs, '-o', exe, '-lpthread', ...libs], { stdio: 'inherit' });
  console.log(exe);
}

if (process.argv.includes('--vulkan')) {
  const cfg = buildShaders({ log: (m) => console.error(m) });
  if (!cfg.enabled) {
    console.log(`SKIP vulkan build: ${cfg.reason}`);
  } else {
    const vkSources = [...ccIn('src/vulkan'), join(genDir, 'vk_shaders.cc'), ...ccIn('tests').filter(isVulkanTest)];
    const inc = ['-DLATHE_HAVE_VULKAN', ...(cfg.include === '/usr/include' ? [] : ['-isystem', cfg.include])];
    link('vulkan_test', vkSources, inc, ['-ldl']);
    if (process.argv.includes('--bench')) {
      link('vulkan_bench', [...ccIn('src/vulkan'), join(genDir, 'vk_shaders.cc'), join(nativeDir, 'bench/vulkan/ops_bench.cc')], inc, ['-ldl']);
    }
  }
} else {
  link('ops_test', ccIn('tests').filter((f) => !isVulkanTest(f)));
  if (process.argv.includes('--bench')) link('gemm_bench', ccIn('bench'));
}
