// Supervises the engine host process: starts it on demand, routes requests, watches its heartbeat, and turns a crash
// into a clear error (and an event) while main keeps running. The next request starts a fresh host.
import type { HostCrash } from '../api/contract';
import { LatheError } from '../api/errors';
import type { HostOpName, HostOps, HostToMain, HostEvent } from '../api/host-protocol';
import { HEARTBEAT_TIMEOUT_MS } from '../api/host-protocol';
import type { HostProcess, HostSpawner } from './host-process';

interface Pending {
  op: string;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  onEvent?: (name: string, payload: unknown) => void;
}

export interface RequestOptions<K extends HostOpName = HostOpName> {
  signal?: AbortSignal;
  /** The op's events, typed by its protocol entry: `if (e.name === 'metrics')` narrows `e.payload`. */
  onEvent?: (event: HostEvent<K>) => void;
}

export interface SupervisorOptions {
  spawn: HostSpawner;
  onCrash?: (crash: HostCrash) => void;
  heartbeatTimeoutMs?: number;
  /** How long to wait for the host's 'ready' message. */
  startTimeoutMs?: number;
}

export class EngineSupervisor {
  private host: HostProcess | undefined;
  private ready: Promise<HostProcess> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private lastBeat = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Crashes seen since start, newest last (the UI shows the last one). */
  readonly crashes: HostCrash[] = [];

  constructor(private readonly opts: SupervisorOptions) {}

  get pid(): number | undefined {
    return this.host?.pid;
  }

  async request<K extends HostOpName>(op: K, args: HostOps[K]['args'], options: RequestOptions<K> = {}): Promise<HostOps[K]['result']> {
    if (options.signal?.aborted) throw new LatheError('cancelled', 'The operation was cancelled.');
    const host = await this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // The host sends what the op's protocol entry declares (both sides compile against it), so the wire's name/payload is that union.
      const onEvent = options.onEvent;
      this.pending.set(id, { op, resolve: resolve as (v: unknown) => void, reject, onEvent: onEvent && ((name, payload) => onEvent({ name, payload } as HostEvent<K>)) });
      options.signal?.addEventListener('abort', () => host.send({ type: 'cancel', id, reason: typeof options.signal?.reason === 'string' ? options.signal.reason : 'cancel' }), { once: true });
      host.send({ type: 'request', id, op, args });
    });
  }

  /** Starts the host if it is not running; resolves when it has said 'ready'. */
  start(): Promise<HostProcess> {
    if (this.ready) return this.ready;
    this.stopping = false;
    this.ready = new Promise<HostProcess>((resolve, reject) => {
      let host: HostProcess;
      try {
        host = this.opts.spawn();
      } catch (err) {
        this.ready = undefined;
        reject(new LatheError('engine.hostStart', `The engine host could not be started: ${(err as Error).message}`, 'Run `npm run build` and try again.'));
        return;
      }
      this.host = host;
      const timer = setTimeout(() => {
        host.kill('SIGKILL');
        reject(new LatheError('engine.hostStart', 'The engine host did not start within the time limit.', 'Check the log for errors from the engine host.'));
      }, this.opts.startTimeoutMs ?? 30_000);
      host.onMessage((msg) => {
        if (msg.type === 'ready') {
          clearTimeout(timer);
          this.lastBeat = Date.now();
          this.startWatchdog();
          resolve(host);
        }
        this.onMessage(msg);
      });
      host.onExit((code, signal) => {
        clearTimeout(timer);
        reject(new LatheError('engine.hostStart', `The engine host exited during start-up (code ${code}, signal ${signal}).`, 'Run `npm run build` and check the log.'));
        this.onExit(host, code, signal);
      });
    });
    return this.ready;
  }

  /** Asks the host to exit and waits for it (kills it after a grace period). */
  async stop(graceMs = 3000): Promise<void> {
    const host = this.host;
    this.stopping = true;
    this.stopWatchdog();
    if (!host) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => host.kill('SIGKILL'), graceMs);
      host.onExit(() => {
        clearTimeout(timer);
        resolve();
      });
      host.send({ type: 'shutdown' });
    });
  }

  private onMessage(msg: HostToMain): void {
    if (msg.type === 'heartbeat' || msg.type === 'ready') {
      this.lastBeat = Date.now();
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'event') {
      p.onEvent?.(msg.name, msg.payload);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(LatheError.from(msg.error));
  }

  private onExit(host: HostProcess, exitCode: number | null, signal: string | null): void {
    if (this.host !== host) return;
    this.host = undefined;
    this.ready = undefined;
    this.stopWatchdog();
    const jobs = [...this.pending.values()].map((p) => p.op);
    const expected = this.stopping && jobs.length === 0;
    if (expected) return;
    const how = signal ? `was killed by signal ${signal}` : `exited with code ${exitCode}`;
    const job = jobs.length ? jobs.join(', ') : 'idle';
    const crash: HostCrash = {
      job,
      exitCode,
      signal,
      message: `The engine host process ${how}${jobs.length ? ` while running ${job}` : ''}.`,
      at: new Date().toISOString(),
    };
    this.crashes.push(crash);
    const err = new LatheError('engine.hostCrashed', crash.message, 'Lathe is still running; the engine restarts on the next request. If it keeps crashing, try a smaller batch or sequence length, and check the log.');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.opts.onCrash?.(crash);
  }

  private startWatchdog(): void {
    this.stopWatchdog();
    const limit = this.opts.heartbeatTimeoutMs ?? HEARTBEAT_TIMEOUT_MS;
    this.watchdog = setInterval(() => {
      // A host that stops beating is hung (e.g. stuck in native code): kill it so the crash path reports it.
      if (this.host && Date.now() - this.lastBeat > limit) this.host.kill('SIGKILL');
    }, Math.min(1000, limit));
    this.watchdog.unref?.();
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }
}
