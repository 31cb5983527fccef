// Vulkan section of `npm run bench`: builds native vulkan_bench and prints its per-op timings (GPU timestamp queries,
// median of 5) as JSON lines. On a CPU Vulkan device (lavapipe) it runs small shapes and every line carries a note that
// the numbers say nothing about GPU speed. Skips (one JSON line) when the Vulkan backend cannot be built.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const out = execFileSync(process.execPath, [join(root, 'native/tests/build.mjs'), '--vulkan', '--bench'], { cwd: root, encoding: 'utf8' });
const skip = /^SKIP vulkan build: (.*)$/m.exec(out);
if (skip) {
  console.log(JSON.stringify({ bench: 'vulkan', skipped: skip[1] }));
  process.exit(0);
}
const exe = out.trim().split('\n').find((l) => l.endsWith('vulkan_bench'));
// lavapipe runs the shaders on the CPU: small shapes keep it to seconds. BENCH_VULKAN_FULL=1 forces the full shapes.
const probe = spawnSync('vulkaninfo', ['--summary'], { encoding: 'utf8' });
const onlyCpu = probe.status === 0 && /PHYSICAL_DEVICE_TYPE_CPU/.test(probe.stdout) && !/PHYSICAL_DEVICE_TYPE_(DISCRETE|INTEGRATED)_GPU/.test(probe.stdout);
const small = onlyCpu && process.env.BENCH_VULKAN_FULL !== '1';
const r = spawnSync(exe, small ? ['small'] : [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
process.stdout.write(r.stdout ?? '');
process.exit(r.status ?? 1);
