// Starts the engine host with Electron's utilityProcess (the Node child_process path is in main/runs/host-process.ts).
import { utilityProcess } from 'electron';
import type { HostToMain } from '../api/host-protocol';
import type { HostSpawner } from '../runs/host-process';

export function electronHostSpawner(entry: string): HostSpawner {
  return () => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'Lathe engine', stdio: 'inherit' });
    let exited = false;
    const exitListeners: ((code: number | null, signal: string | null) => void)[] = [];
    child.on('exit', (code) => {
      exited = true;
      // utilityProcess reports only an exit code; a signal death shows as a non-zero code.
      for (const l of exitListeners) l(code, null);
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (msg) => {
        if (!exited) child.postMessage(msg);
      },
      onMessage: (listener) => child.on('message', (m: unknown) => listener(m as HostToMain)),
      onExit: (listener) => exitListeners.push(listener),
      kill: () => {
        if (!exited) child.kill();
      },
    };
  };
}
