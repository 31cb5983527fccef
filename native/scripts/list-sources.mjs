// Lists engine C++ sources for binding.gyp, so new files are picked up without editing it.
// Usage: node list-sources.mjs base|avx2|avx512|defines|includes
//   files ending _avx2.cc / _avx512.cc get their own SIMD flags; src/vulkan/ and the generated shader table
//   (native/gen/vk_shaders.cc) are listed only when the Vulkan build step enabled the backend (native/gen/vulkan.json),
//   which `defines` then reports as LATHE_HAVE_VULKAN and `includes` as the Vulkan header directory.
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readVulkanConfig } from './vulkan-shaders.mjs';

const nativeDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2] ?? 'base';
const vulkan = readVulkanConfig();

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

if (mode === 'defines') {
  if (vulkan.enabled) console.log('LATHE_HAVE_VULKAN');
} else if (mode === 'includes') {
  if (vulkan.enabled && vulkan.include && !['/usr/include', '/usr/local/include'].includes(vulkan.include)) console.log(vulkan.include);
} else {
  const files = walk(join(nativeDir, 'src'))
    .filter((f) => f.endsWith('.cc'))
    .map((f) => relative(nativeDir, f).split('\\').join('/'))
    .filter((f) => vulkan.enabled || !f.startsWith('src/vulkan/'))
    .filter((f) => {
      if (mode === 'avx2') return f.endsWith('_avx2.cc');
      if (mode === 'avx512') return f.endsWith('_avx512.cc');
      return !f.endsWith('_avx2.cc') && !f.endsWith('_avx512.cc');
    });
  if (mode === 'base' && vulkan.enabled) files.push('gen/vk_shaders.cc');
  console.log(files.sort().join('\n'));
}
