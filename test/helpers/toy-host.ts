// An in-process stand-in for the engine host that runs training jobs on the pure-TS toy model: exercises the job
// manager's queueing, metrics ingestion, pause/resume/cancel and crash handling quickly and without native code.
import { EventEmitter } from 'node:events';
import type { HostToMain, MainToHost } from '../../main/host/protocol';
import { runTrainingJob } from '../../main/host/trainer/run-job';
import type { HostProcess, HostSpawner } from '../../main/training/host-process';
import { ToyModel, toyExamples } from './toy-model';

let nextPid = 90000;

export function toyHostSpawner(opts: { stepDelayMs?: number } = {}): HostSpawner {
  return () => {
    const bus = new EventEmitter();
    let alive = true;
    const aborts = new Map<number, AbortController>();
    const pid = nextPid++;
    const emit = (m: HostToMain) => setImmediate(() => alive && bus.emit('message', m));
    const host: HostProcess = {
      pid,
      send(msg: MainToHost) {
        if (!alive) return;
        if (msg.type === 'shutdown') return host.kill('SIGTERM');
        if (msg.type === 'cancel') return aborts.get(msg.id)?.abort(msg.reason ?? 'cancel');
        if (msg.op !== 'train.run') return emit({ type: 'response', id: msg.id, ok: false, error: { code: 'host.unknownOp', message: msg.op } });
        const abort = new AbortController();
        aborts.set(msg.id, abort);
        const args = msg.args as { runDir: string };
        runTrainingJob(args.runDir, {
          loadData: async () => ({ train: toyExamples(40, 12), validation: toyExamples(6, 12, 99), padId: 0 }),
          createModel: async () => new ToyModel(12, 4),
          signal: abort.signal,
          hostPid: pid,
          onMetrics: (m) => emit({ type: 'event', id: msg.id, name: 'metrics', payload: m }),
          onLog: (l) => emit({ type: 'event', id: msg.id, name: 'log', payload: l }),
          ...(opts.stepDelayMs ? { onMetrics: (m) => { emit({ type: 'event', id: msg.id, name: 'metrics', payload: m }); const until = Date.now() + opts.stepDelayMs!; while (Date.now() < until); } } : {}),
        }).then(
          (r) => emit({ type: 'response', id: msg.id, ok: true, value: { status: r.status, step: r.state.step } }),
          (e) => emit({ type: 'response', id: msg.id, ok: false, error: { code: e.code ?? 'x', message: e.message } }),
        );
      },
      onMessage: (l) => bus.on('message', l),
      onExit: (l) => bus.on('exit', l),
      kill(signal = 'SIGTERM') {
        if (!alive) return;
        for (const a of aborts.values()) a.abort('pause');
        alive = false;
        setImmediate(() => bus.emit('exit', null, signal));
      },
    };
    emit({ type: 'ready', pid });
    return host;
  };
}
