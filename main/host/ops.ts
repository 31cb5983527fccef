// The host's operation table: each op gets validated args, an abort signal and a progress callback.
import { LatheError } from '../api/errors';
import { cudaLibraryPath, loadAddon } from '../engine/addon';
import type { HostOpName, HostOps, HostSystemProbe } from '../api/host-protocol';
import { resolveTrainingConfig } from '../api/training-config';
import { fitCheck } from './trainer/fit-check';
import { createNativeTrainable } from './trainer/native-model';
import { trainRunOp } from './trainer/train-op';
import { loadTrainingData } from './trainer/training-data';
import { exportRunOp } from './export-op';
import { planCatalog } from '../models/catalog-plan';
import { runEval } from './eval/run-eval';
import { chatOp } from './eval/chat-op';
import { nextTokenOp, oneStepOp } from './learn/next-token-op';
import { fillMaskOp } from './learn/fill-mask-op';
import { approachesOp } from './learn/approaches-op';

/** What an op gets besides its arguments: the cancel signal, and `emit` for the events its protocol entry declares. */
export interface OpContext<K extends HostOpName = HostOpName> {
  signal: AbortSignal;
  emit<E extends keyof HostOps[K]['events'] & string>(name: E, payload: HostOps[K]['events'][E]): void;
}

type OpImpl<K extends HostOpName> = (args: HostOps[K]['args'], ctx: OpContext<K>) => Promise<HostOps[K]['result']>;

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

function sleep(args: HostOps['debug.sleep']['args'], ctx: OpContext<'debug.sleep'>): Promise<{ slept: number }> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = args.everyMs ? setInterval(() => ctx.emit('progress', { elapsed: Date.now() - start }), args.everyMs) : undefined;
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
  'train.fitCheck': (args, ctx) => fitCheck(resolveTrainingConfig(args.config), { calibrate: args.calibrate, log: (m) => ctx.emit('log', m) }),
  'export.run': (args, ctx) => exportRunOp(args, ctx),
  'models.planCatalog': (args) => planCatalog(args),
  'eval.run': (args, ctx) => runEval(args, { signal: ctx.signal, onProgress: (p) => ctx.emit('progress', p), log: (m) => ctx.emit('log', m) }),
  'eval.chat': chatOp,
  'learn.nextToken': (args, ctx) => nextTokenOp(args, ctx),
  'learn.oneStep': (args, ctx) => oneStepOp(args, ctx),
  'learn.fillMask': (args, ctx) => fillMaskOp(args, ctx),
  'learn.approaches': (args) => approachesOp(args),
  'debug.sleep': sleep,
};
