// `lathe info`: the same system information the UI's status bar shows (CPU features, GPUs, engine backends).
import type { Command } from 'commander';
import { createRuntime } from '../../services/runtime';
import { appInfo, systemHandlers } from '../../services/system';
import type { VulkanDeviceInfo } from '../../api/contract';
import { formatBytes } from '../format';

/** One line per Vulkan device: type, VRAM (and budget), subgroup size, cooperative matrices, driver, usable or why not. */
function vulkanLines(devices: VulkanDeviceInfo[]): string[] {
  return devices.map((d, i) => {
    const vram = `${formatBytes(d.vramBytes)} VRAM${d.budgetBytes !== undefined ? `, ${formatBytes(d.budgetBytes)} budget` : ''}`;
    const coop = d.cooperativeMatrix.nv || d.cooperativeMatrix.khr
      ? `coopmat ${[d.cooperativeMatrix.nv && 'NV', d.cooperativeMatrix.khr && 'KHR'].filter(Boolean).join('+')}` : 'no coopmat';
    const state = d.usable ? 'usable' : `not used: ${d.reason ?? 'unknown reason'}`;
    return `${i === 0 ? 'Vulkan:   ' : '          '}[${d.index}] ${d.name} (${d.type}, ${vram}, subgroup ${d.subgroupSize}, ${coop}, ` +
      `Vulkan ${d.apiVersion}, ${d.driverName} ${d.driverInfo}) ${state}`;
  });
}

export function register(program: Command): void {
  program
    .command('info')
    .description('show the machine and engine facts Lathe sees: CPU features, memory, GPUs, Vulkan devices, backends')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const runtime = createRuntime({ shell: 'cli' });
      try {
        const app = appInfo(runtime.ctx);
        const system = await systemHandlers['system.info']({}, runtime.ctx);
        if (opts.json) {
          process.stdout.write(JSON.stringify({ app, system }, null, 2) + '\n');
          return;
        }
        const f = system.cpu.features;
        const feats = Object.entries(f).filter(([, on]) => on).map(([k]) => k.toUpperCase());
        const lines = [
          `Lathe ${app.version} (${app.platform}, Node ${app.node})`,
          `Library:  ${app.libraryDir}`,
          `CPU:      ${system.cpu.model}, ${system.cpu.cores} threads, ${feats.join(' ') || 'no SIMD extensions detected'}`,
          `Memory:   ${formatBytes(system.memory.freeBytes)} free of ${formatBytes(system.memory.totalBytes)}`,
          `GPUs:     ${system.gpus.length ? system.gpus.map((g) => `${g.name} (${formatBytes(g.memoryBytes)})`).join(', ') : 'none found'}`,
          ...vulkanLines(system.vulkanDevices),
          `Engine:   ${system.engine.version}; backends available: ${system.engine.backends.join(', ')}; compiled: ${system.engine.compiled.join(', ')}`,
          ...Object.entries(system.engine.notes).map(([b, note]) => `          ${b}: ${note}`),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        await runtime.close();
      }
    });
}
