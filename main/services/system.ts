// System information: OS facts from main, engine facts (CPU features, GPUs, backends) probed once in the engine host.
import { cpus, freemem, platform, totalmem } from 'node:os';
import type { AppInfo, MethodOutput, SystemInfo } from '../api/contract';
import type { HostSystemProbe } from '../api/host-protocol';
import { APP_NAME, APP_VERSION } from './app-info';
import type { ServiceContext } from './context';

let probeCache: Promise<HostSystemProbe> | undefined;

export function appInfo(ctx: Pick<ServiceContext, 'shell' | 'paths'>): AppInfo {
  return { name: APP_NAME, version: APP_VERSION, shell: ctx.shell, libraryDir: ctx.paths.root, platform: `${platform()}-${process.arch}`, node: process.versions.node };
}

export function systemInfoFromProbe(probe: HostSystemProbe): SystemInfo {
  const cpuList = cpus();
  return {
    cpu: {
      model: probe.cpu.brand || cpuList[0]?.model || 'unknown CPU',
      cores: probe.cpu.hardwareThreads || cpuList.length,
      features: { avx2: probe.cpu.avx2, avx512f: probe.cpu.avx512f, amx: probe.cpu.amx, fma: probe.cpu.fma, f16c: probe.cpu.f16c },
    },
    memory: { totalBytes: totalmem(), freeBytes: freemem() },
    gpus: probe.gpus.map((g) => ({ index: g.index, name: g.name, memoryBytes: g.memoryBytes, computeCapability: g.computeCapability })),
    vulkanDevices: probe.vulkanDevices ?? [],
    engine: { version: probe.engineVersion, backends: probe.available, compiled: probe.compiled, notes: probe.notes },
  };
}

export const systemHandlers = {
  'app.info': async (_args: unknown, ctx: ServiceContext): Promise<MethodOutput<'app.info'>> => appInfo(ctx),
  'system.info': async (_args: unknown, ctx: ServiceContext): Promise<MethodOutput<'system.info'>> => {
    // Hardware does not change while the app runs; a failed probe is retried on the next call.
    probeCache ??= ctx.supervisor.request('system.probe', {}).catch((err) => {
      probeCache = undefined;
      throw err;
    });
    return systemInfoFromProbe(await probeCache);
  },
};
