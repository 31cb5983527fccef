// The addon's Vulkan device probe (what `lathe info` lists): devices with name, type, VRAM, subgroup size and driver;
// CPU devices listed but unusable unless LATHE_VULKAN_ALLOW_CPU=1; a missing Vulkan loader is a note, never a crash.
// Each case runs in a fresh Node process because the loader is opened once per process.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { NativeBackendProbe } from '../../main/engine/addon';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const addon = join(root, 'native', 'build', 'Release', 'lathe_native.node');

function probe(env: Record<string, string>): NativeBackendProbe {
  const code = `process.stdout.write(JSON.stringify(require(${JSON.stringify(addon)}).probeBackends('')))`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env: { ...process.env, LATHE_VULKAN_ALLOW_CPU: '', ...env } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as NativeBackendProbe;
}

const compiled = existsSync(addon) && probe({}).compiled.includes('vulkan');

describe.runIf(process.env.LATHE_REQUIRE_VULKAN === '1')('Vulkan required (CI, npm run test:gpu)', () => {
  it('the engine is built with Vulkan and sees a usable device', () => {
    expect(compiled, 'the addon was built without the Vulkan backend (see the build log for the reason)').toBe(true);
    const p = probe({ LATHE_VULKAN_ALLOW_CPU: process.env.LATHE_VULKAN_ALLOW_CPU ?? '' });
    expect(p.available, `no usable Vulkan device: ${p.notes.vulkan}`).toContain('vulkan');
  });
});

describe.skipIf(!compiled)('Vulkan device probe', () => {
  it('lists devices; a CPU device is usable only when allowed', () => {
    const p = probe({});
    for (const d of p.vulkanDevices ?? []) {
      expect(d.name).not.toBe('');
      expect(['discrete', 'integrated', 'virtual', 'cpu', 'other']).toContain(d.type);
      expect(d.vramBytes).toBeGreaterThan(0);
      expect(d.subgroupSize).toBeGreaterThan(0);
      if (d.type === 'cpu') {
        expect(d.usable).toBe(false);
        expect(d.reason).toMatch(/LATHE_VULKAN_ALLOW_CPU=1/);
      }
    }
    expect(p.available.includes('vulkan')).toBe((p.vulkanDevices ?? []).some((d) => d.usable));
    if (!p.available.includes('vulkan')) expect(p.notes.vulkan).toBeTruthy();
    const allowed = probe({ LATHE_VULKAN_ALLOW_CPU: '1' });
    const cpuDev = (allowed.vulkanDevices ?? []).find((d) => d.type === 'cpu');
    if (cpuDev) {
      expect(cpuDev.usable).toBe(true);
      expect(allowed.available).toContain('vulkan');
    }
  });

  it('a missing Vulkan loader leaves the CPU backend and explains why', () => {
    const p = probe({ LATHE_VULKAN_LOADER: '/nonexistent/libvulkan.so.1', LATHE_VULKAN_ALLOW_CPU: '1' });
    expect(p.available).toEqual(['cpu']);
    expect(p.compiled).toContain('vulkan');
    expect(p.vulkanDevices).toEqual([]);
    expect(p.notes.vulkan).toMatch(/could not be opened.*install a GPU driver with Vulkan support/);
  });
});
