// An in-process stand-in for the engine host that runs training jobs on the pure-TS toy model: exercises the job
// manager's queueing, metrics ingestion, pause/resume/cancel and crash handling quickly and without native code.
import { EventEmitter } from 'node:events';
import type { HostToMain, MainToHost } from '../../main/api/host-protocol';
import { trainRunOp } from '../../main/host/trainer/train-op';
import type { HostProcess, HostSpawner } from '../../main/runs/host-process';
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
        trainRunOp(args.runDir, {
          signal: abort.signal,
          emit: (name, payload) => {
            emit({ type: 'event', id: msg.id, name, payload });
            // Slow steps down so a test can pause mid-run.
            if (name === 'metrics' && opts.stepDelayMs) {
              const until = Date.now() + opts.stepDelayMs;
              while (Date.now() < until);
            }
          },
        }, {
          loadData: async () => ({ train: toyExamples(40, 12), validation: toyExamples(6, 12, 99), padId: 0 }),
          createModel: async () => new ToyModel(12, 4),
        }, pid).then(
          (value) => emit({ type: 'response', id: msg.id, ok: true, value }),
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
