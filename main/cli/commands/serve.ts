// `lathe serve`: web mode — the same UI in a browser, with the API over a token-protected WebSocket.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { appRoot } from '../../app-root';
import { isLoopback, startWebServer } from '../../server/server';
import { openLibraryGate } from '../../services/library-gate';

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535 (0 picks a free one)');
  return n;
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  try {
    spawn(cmd, args, { stdio: 'ignore', detached: true }).on('error', () => {}).unref();
  } catch {
    // No browser launcher: the URL is printed anyway.
  }
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the Lathe UI to a browser (loopback only unless --host says otherwise)')
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, 7860)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--open', 'open the UI in the default browser')
    .option('--allow-dir <dir>', 'with a non-loopback --host: a folder API paths may name besides the library (repeatable)', (v: string, all: string[]) => [...all, resolve(v)], [] as string[])
    .action(async (opts: { port: number; host: string; open?: boolean; allowDir: string[] }) => {
      const remote = !isLoopback(opts.host);
      // Remote mode: API paths are limited to the library and the listed folders (see services/path-policy).
      const gate = openLibraryGate({ shell: 'web', allowDirs: remote ? opts.allowDir : undefined });
      const problem = gate.status().problem;
      if (problem) process.stderr.write(`warning: ${problem.message}\n${problem.hint ? `hint: ${problem.hint}\n` : ''}The UI opens on a screen that says so${gate.status().state === 'damaged' ? ' and offers to rebuild the library' : ''}.\n`);
      if (remote) {
        process.stderr.write(`warning: binding to ${opts.host} exposes Lathe to your network; anyone with the token can use it.\n`);
        process.stderr.write(`file access limited to: ${[gate.status().root, ...opts.allowDir].join(', ')}\n`);
      }
      const web = await startWebServer({ gate, rendererDir: join(appRoot(), 'out', 'renderer'), host: opts.host, port: opts.port });
      process.stdout.write(`Lathe web UI: ${web.url}\n`);
      if (opts.open) openBrowser(web.url);
      const shutdown = async () => {
        await web.close();
        await gate.close();
        process.exit(0);
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
