// The host's operation table: each op gets validated args, an abort signal and a progress callback.
import { LatheError } from '../api/errors';
import { cudaLibraryPath, loadAddon } from '../engine/addon';
import type { HostOpName, HostOps, HostSystemProbe } from './protocol';
import { resolveTrainingConfig } from '../training/config';
import { fitCheck } from './trainer/fit-check';
import { createNativeTrainable } from './trainer/native-model';
import { trainRunOp } from './trainer/train-op';
import { loadTrainingData } from './trainer/training-data';

export interface OpContext {
  signal: AbortSignal;
  progress(name: string, payload: unknown): void;
}

type OpImpl<K extends HostOpName> = (args: HostOps[K]['args'], ctx: OpContext) => Promise<HostOps[K]['result']>;

function probeSystem(): HostSystemProbe {
  const addon = loadAddon();
  const cpu = addon.cpuFeatures();
  const backends = addon.probeBackends(cudaLibraryPath());
  return {
    engineVersion: addon.version,
    cpu: { brand: cpu.brand, avx2: cpu.avx2, avx512f: cpu.avx512f, amx: cpu.amx, fma: cpu.fma, f16c: cpu.f16c, hardwareThreads: cpu.hardwareThreads },
    compiled: backends.compiled,
    available: backends.available,
    gpus: backends.gpus,
    notes: backends.notes,
    vulkanDevices: backends.vulkanDevices ?? [],
  };
}

function sleep(args: HostOps['debug.sleep']['args'], ctx: OpContext): Promise<{ slept: number }> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = args.everyMs ? setInterval(() => ctx.progress('progress', { elapsed: Date.now() - start }), args.everyMs) : undefined;
    const done = setTimeout(() => {
      clearInterval(tick);
      resolve({ slept: Date.now() - start });
    }, args.ms);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(done);
      clearInterval(tick);
      reject(new LatheError('cancelled', 'The operation was cancelled.'));
    });
  });
}

export const hostOps: { [K in HostOpName]: OpImpl<K> } = {
  'system.probe': async () => probeSystem(),
  'train.run': (args, ctx) =>
    trainRunOp(args.runDir, ctx, {
      loadData: (config, runDir, log) => loadTrainingData(config, runDir, log),
      createModel: (config) => createNativeTrainable(config),
    }),
  'train.fitCheck': (args, ctx) => fitCheck(resolveTrainingConfig(args.config), { calibrate: args.calibrate, log: (m) => ctx.progress('log', m) }),
  'debug.sleep': sleep,
};
