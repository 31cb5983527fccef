// Supervisor behaviour that needs no real process: a hung host (no heartbeat) is killed and reported.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { HostCrash } from '../../../main/api/contract';
import type { HostProcess } from '../../../main/runs/host-process';
import { EngineSupervisor } from '../../../main/runs/supervisor';

function silentHost(): HostProcess {
  const bus = new EventEmitter();
  let alive = true;
  setImmediate(() => bus.emit('message', { type: 'ready', pid: 1 }));
  return {
    pid: 1,
    send: () => {},
    onMessage: (l) => bus.on('message', l),
    onExit: (l) => bus.on('exit', l),
    kill: (signal) => {
      if (alive) {
        alive = false;
        setImmediate(() => bus.emit('exit', null, signal ?? 'SIGTERM'));
      }
    },
  };
}

describe('engine supervisor', () => {
  it('kills a host that stops sending heartbeats and fails its pending request with a clear error', async () => {
    const crashes: HostCrash[] = [];
    const sup = new EngineSupervisor({ spawn: silentHost, heartbeatTimeoutMs: 100, onCrash: (c) => crashes.push(c) });
    await expect(sup.request('debug.sleep', { ms: 1 })).rejects.toMatchObject({ code: 'engine.hostCrashed' });
    expect(crashes[0]).toMatchObject({ signal: 'SIGKILL', job: 'debug.sleep' });
  });

  it('reports a host that cannot be started', async () => {
    const sup = new EngineSupervisor({
      spawn: () => {
        throw new Error('entry missing');
      },
    });
    await expect(sup.request('system.probe', {})).rejects.toMatchObject({ code: 'engine.hostStart', message: expect.stringContaining('entry missing') });
  });
});
