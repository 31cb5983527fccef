// `npm run test:gpu`: the Vulkan suites (device probe, runtime, every op against the CPU reference, the whole model
// against the CPU backend, a training run with kill -9 resume) on a real GPU.
// CPU devices such as lavapipe are NOT allowed here, and a missing device is a failure (LATHE_REQUIRE_VULKAN=1), so
// this fails loudly on a machine without a working GPU Vulkan driver. CI runs the same suites on lavapipe via npm test.
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const env = { ...process.env, LATHE_REQUIRE_VULKAN: '1' };
delete env.LATHE_VULKAN_ALLOW_CPU;
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const r = spawnSync(npx, ['vitest', 'run', 'test/addon/vulkan-', 'test/integration/vulkan-'], { cwd: root, stdio: 'inherit', env });
if (r.status !== 0) console.error('\n!!! test:gpu FAILED: no usable GPU Vulkan device, or a Vulkan op differs from the CPU reference (see above).');
process.exit(r.status ?? 1);
