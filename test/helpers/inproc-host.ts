// Test helper: an engine host that runs the real host operation table in this process (no fork, no build needed).
import { EventEmitter } from 'node:events';
import type { HostOpName, HostToMain, MainToHost } from '../../main/api/host-protocol';
import { hostOps, type OpContext } from '../../main/host/ops';
import type { HostProcess, HostSpawner } from '../../main/runs/host-process';

let nextPid = 95000;

export function inProcessHostSpawner(): HostSpawner {
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
        const impl = hostOps[msg.op as HostOpName] as ((a: unknown, c: unknown) => Promise<unknown>) | undefined;
        if (!impl) return emit({ type: 'response', id: msg.id, ok: false, error: { code: 'host.unknownOp', message: msg.op } });
        const abort = new AbortController();
        aborts.set(msg.id, abort);
        impl(msg.args, { signal: abort.signal, emit: (name: string, payload: unknown) => emit({ type: 'event', id: msg.id, name, payload }) } satisfies OpContext).then(
          (value) => emit({ type: 'response', id: msg.id, ok: true, value }),
          (e: { code?: string; message?: string; hint?: string }) => emit({ type: 'response', id: msg.id, ok: false, error: { code: e.code ?? 'x', message: e.message ?? String(e), hint: e.hint } }),
        );
      },
      onMessage: (l) => bus.on('message', l),
      onExit: (l) => bus.on('exit', l),
      kill(signal = 'SIGTERM') {
        if (!alive) return;
        for (const a of aborts.values()) a.abort('cancel');
        alive = false;
        setImmediate(() => bus.emit('exit', null, signal));
      },
    };
    emit({ type: 'ready', pid });
    return host;
  };
}
