// The host's train.run operation: a training job whose callbacks become host events ('started', 'metrics', 'log',
// 'checkpoint') for the supervisor in main. The engine and data are injected (native in the host, a toy in tests).
import type { OpContext } from '../ops';
import { runTrainingJob, type RunJobDeps } from './run-job';
import type { HostOps } from '../../api/host-protocol';

export async function trainRunOp(runDir: string, ctx: OpContext<'train.run'>, deps: Pick<RunJobDeps, 'loadData' | 'createModel'>, hostPid = process.pid): Promise<HostOps['train.run']['result']> {
  const r = await runTrainingJob(runDir, {
    ...deps,
    signal: ctx.signal,
    hostPid,
    onStart: (info) => ctx.emit('started', info),
    onMetrics: (m) => ctx.emit('metrics', m),
    onLog: (message) => ctx.emit('log', message),
    onCheckpoint: (info) => ctx.emit('checkpoint', info),
  });
  return { status: r.status, step: r.state.step };
}
