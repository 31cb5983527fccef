// One interface over the two ways to start the engine host: child_process.fork (Node: CLI, web mode, tests) and
// Electron's utilityProcess.fork (desktop app, see main/app/electron-host-spawner.ts).
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../app-root';
import type { HostToMain, MainToHost } from '../api/host-protocol';

export interface HostProcess {
  readonly pid: number | undefined;
  send(msg: MainToHost): void;
  onMessage(listener: (msg: HostToMain) => void): void;
  /** Called once, when the process is gone. */
  onExit(listener: (exitCode: number | null, signal: string | null) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export type HostSpawner = () => HostProcess;

/** The built host entry (out/main/engine-host.js). */
export function hostEntryPath(): string {
  const entry = process.env.LATHE_HOST_ENTRY || join(appRoot(), 'out', 'main', 'engine-host.js');
  return entry;
}

export function nodeHostSpawner(entry = hostEntryPath(), execArgv: string[] = []): HostSpawner {
  return () => {
    if (!existsSync(entry)) throw new Error(`engine host entry ${entry} is missing; run \`npm run build\``);
    const child = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', execArgv });
    let exited = false;
    const exitListeners: ((code: number | null, signal: string | null) => void)[] = [];
    child.on('exit', (code, signal) => {
      exited = true;
      for (const l of exitListeners) l(code, signal);
    });
    child.on('error', () => {
      // 'exit' follows for spawn failures that started a process; a failure to spawn at all is reported by exit too.
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (msg) => {
        if (!exited && child.connected) child.send(msg);
      },
      onMessage: (listener) => child.on('message', (m) => listener(m as HostToMain)),
      onExit: (listener) => exitListeners.push(listener),
      kill: (signal = 'SIGTERM') => {
        if (!exited) child.kill(signal);
      },
    };
  };
}
