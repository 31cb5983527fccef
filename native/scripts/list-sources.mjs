// Lists engine C++ sources for binding.gyp, so new files are picked up without editing it.
// Usage: node list-sources.mjs base|avx2|avx512   (files ending _avx2.cc / _avx512.cc get their own SIMD flags)
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2] ?? 'base';

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

const files = walk(join(nativeDir, 'src'))
  .filter((f) => f.endsWith('.cc'))
  .map((f) => relative(nativeDir, f).split('\\').join('/'))
  .filter((f) => {
    if (mode === 'avx2') return f.endsWith('_avx2.cc');
    if (mode === 'avx512') return f.endsWith('_avx512.cc');
    return !f.endsWith('_avx2.cc') && !f.endsWith('_avx512.cc');
  })
  .sort();
console.log(files.join('\n'));
