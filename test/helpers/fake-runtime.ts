// A runtime over a temporary library with a fake engine host, for testing services and front doors without native code.
import { EventEmitter } from 'node:events';
import type { HostToMain, MainToHost } from '../../main/api/host-protocol';
import { createRuntime, type Runtime } from '../../main/services/runtime';
import type { HostProcess, HostSpawner } from '../../main/runs/host-process';
import { tempDir } from './temp-dir';

/** A host that answers system.probe with fixed facts and can be made to crash. */
export function fakeHostSpawner(): HostSpawner & { kills: number } {
  const spawner = (() => {
    const bus = new EventEmitter();
    let alive = true;
    const host: HostProcess = {
      pid: 4242,
      send(msg: MainToHost) {
        if (alive && msg.type === 'shutdown') host.kill('SIGTERM');
        if (!alive || msg.type !== 'request') return;
        const reply = (m: HostToMain) => setImmediate(() => bus.emit('message', m));
        if (msg.op === 'system.probe') {
          reply({ type: 'response', id: msg.id, ok: true, value: { engineVersion: 'fake', cpu: { brand: 'Fake CPU', avx2: true, avx512f: false, amx: false, fma: true, f16c: true, hardwareThreads: 2 }, compiled: ['cpu'], available: ['cpu'], gpus: [], notes: {} } });
        }
      },
      onMessage: (l) => bus.on('message', l),
      onExit: (l) => bus.on('exit', l),
      kill(signal = 'SIGTERM') {
        if (!alive) return;
        alive = false;
        spawner.kills++;
        setImmediate(() => bus.emit('exit', null, signal));
      },
    };
    setImmediate(() => bus.emit('message', { type: 'ready', pid: 4242 }));
    return host;
  }) as HostSpawner & { kills: number };
  spawner.kills = 0;
  return spawner;
}

export function fakeRuntime(): Runtime {
  return createRuntime({ shell: 'web', libraryRoot: tempDir('lathe-lib-'), spawnHost: fakeHostSpawner() });
}
