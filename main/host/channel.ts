// The host's side of the message pipe: Node's process.send under child_process.fork, parentPort under Electron's utilityProcess.
import type { HostToMain, MainToHost } from '../api/host-protocol';

export interface HostChannel {
  send(msg: HostToMain): void;
  onMessage(listener: (msg: MainToHost) => void): void;
}

interface ParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

export function hostChannel(): HostChannel {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (msg) => parentPort.postMessage(msg),
      onMessage: (listener) => parentPort.on('message', (e) => listener(e.data as MainToHost)),
    };
  }
  if (typeof process.send !== 'function') {
    throw new Error('the engine host must be started by Lathe (no IPC channel to the parent process)');
  }
  return {
    send: (msg) => {
      process.send?.(msg);
    },
    onMessage: (listener) => process.on('message', (m) => listener(m as MainToHost)),
  };
}
