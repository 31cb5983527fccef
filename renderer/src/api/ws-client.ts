// The web-mode transport: implements LatheApi over one WebSocket (main/api/wire.ts), queues calls while
// disconnected and reconnects with backoff. Free of DOM globals beyond WebSocket so it can be unit-tested in Node.
import type { EventName, LatheApi } from '../../../main/api/contract';
import type { CallMessage, ServerMessage } from '../../../main/api/wire';
import { MAX_MESSAGE_BYTES } from '../../../main/api/wire';
import { ApiError } from './errors';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Failed attempts since the socket was last open; 0 while open. */
  attempt: number;
  /** When the next reconnect attempt starts (ms since epoch), while reconnecting. */
  retryAt?: number;
}

export interface Connection {
  get(): ConnectionState;
  subscribe(listener: (state: ConnectionState) => void): () => void;
  /** Skip the backoff wait and try to connect now (the banner's "Retry now"). */
  retryNow(): void;
}

/** The subset of the WebSocket class this client uses (the browser's, or `ws` in tests). */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}
export type SocketFactory = (url: string) => SocketLike;

export interface WsClientOptions {
  url: string;
  createSocket: SocketFactory;
  /** First reconnect delay; doubles per failed attempt up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** 0..1, spreads reconnects of many tabs; tests pass 0 for exact timing. */
  jitter?: number;
}

export interface WsClient {
  api: LatheApi;
  connection: Connection;
  /** Closes for good: pending calls reject, no reconnect. */
  close(): void;
}

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(err: ApiError): void;
}

const OPEN = 1;

export function createWsClient(opts: WsClientOptions): WsClient {
  const initialDelay = opts.initialDelayMs ?? 300;
  const maxDelay = opts.maxDelayMs ?? 8000;
  const jitter = opts.jitter ?? 0.25;

  let socket: SocketLike | null = null;
  let state: ConnectionState = { status: 'connecting', attempt: 0 };
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let closedForGood = false;
  let nextId = 1;

  // Calls waiting for an open socket, and calls sent and awaiting their result.
  const queued: { msg: CallMessage; pending: Pending }[] = [];
  const inFlight = new Map<number, Pending>();
  const stateListeners = new Set<(s: ConnectionState) => void>();
  const eventListeners = new Map<string, Set<(payload: unknown) => void>>();

  function setState(next: ConnectionState): void {
    state = next;
    for (const l of [...stateListeners]) l(state);
  }

  function connect(): void {
    retryTimer = null;
    let s: SocketLike;
    try {
      s = opts.createSocket(opts.url);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = s;
    s.onopen = () => {
      setState({ status: 'open', attempt: 0 });
      for (const { msg, pending } of queued.splice(0)) send(msg, pending);
    };
    s.onmessage = (ev) => onMessage(ev.data);
    // onerror is always followed by onclose; reconnecting is handled there once.
    s.onerror = () => {};
    s.onclose = () => {
      if (socket !== s) return;
      socket = null;
      for (const [id, p] of inFlight) {
        inFlight.delete(id);
        p.reject(
          new ApiError(
            'disconnected',
            `The connection to the Lathe server was lost before "${p.method}" finished.`,
            'It may or may not have been applied: check once the connection is back, then try again.',
          ),
        );
      }
      if (!closedForGood) scheduleReconnect();
    };
  }

  function scheduleReconnect(): void {
    const attempt = state.status === 'open' ? 1 : state.attempt + 1;
    const base = Math.min(maxDelay, initialDelay * 2 ** (attempt - 1));
    const delay = Math.round(base * (1 - jitter + Math.random() * 2 * jitter));
    setState({ status: 'reconnecting', attempt, retryAt: Date.now() + delay });
    retryTimer = setTimeout(connect, delay);
  }

  function onMessage(data: unknown): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(typeof data === 'string' ? data : String(data)) as ServerMessage;
    } catch {
      return; // The server only sends JSON; anything else is noise we cannot attribute to a call.
    }
    if (msg.type === 'result') {
      const p = inFlight.get(msg.id);
      if (!p) return;
      inFlight.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new ApiError(msg.error?.code ?? 'internal', msg.error?.message ?? 'Unknown error', msg.error?.hint, msg.error));
    } else if (msg.type === 'event') {
      for (const l of [...(eventListeners.get(msg.event) ?? [])]) {
        try {
          l(msg.payload);
        } catch (err) {
          console.error(`listener for ${msg.event} threw`, err);
        }
      }
    }
  }

  function send(msg: CallMessage, pending: Pending): void {
    if (!socket || socket.readyState !== OPEN) {
      queued.push({ msg, pending });
      return;
    }
    inFlight.set(msg.id, pending);
    socket.send(JSON.stringify(msg));
  }

  function call(method: string, args: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const pending: Pending = { method, resolve, reject };
      if (closedForGood) {
        reject(new ApiError('closed', 'The API client was closed.'));
        return;
      }
      const msg: CallMessage = { type: 'call', id: nextId++, method, ...(args === undefined ? {} : { args }) };
      // The server closes the socket on oversized messages (dropping every call in flight); refuse them here instead.
      const bytes = new TextEncoder().encode(JSON.stringify(msg)).length;
      if (bytes > MAX_MESSAGE_BYTES) {
        reject(
          new ApiError(
            'too_large',
            `The arguments of "${method}" are ${(bytes / 2 ** 20).toFixed(1)} MiB; the limit is ${MAX_MESSAGE_BYTES / 2 ** 20} MiB.`,
            'Shorten the input.',
          ),
        );
        return;
      }
      send(msg, pending);
    });
  }

  function on(event: EventName, listener: (payload: never) => void): () => void {
    let set = eventListeners.get(event);
    if (!set) eventListeners.set(event, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => {
      set.delete(l);
    };
  }

  const api = new Proxy({} as LatheApi, {
    get(_t, ns) {
      if (ns === 'on') return on;
      // Keep the object from looking like a thenable or being probed by dev tools as a namespace.
      if (typeof ns !== 'string' || ns === 'then' || ns === 'toJSON') return undefined;
      return new Proxy(
        {},
        {
          get(_t2, m) {
            if (typeof m !== 'string' || m === 'then' || m === 'toJSON') return undefined;
            return (args?: unknown) => call(`${ns}.${m}`, args);
          },
        },
      );
    },
  });

  const connection: Connection = {
    get: () => state,
    subscribe(listener) {
      stateListeners.add(listener);
      return () => {
        stateListeners.delete(listener);
      };
    },
    retryNow() {
      if (closedForGood || state.status !== 'reconnecting' || !retryTimer) return;
      clearTimeout(retryTimer);
      connect();
    },
  };

  connect();

  return {
    api,
    connection,
    close() {
      closedForGood = true;
      if (retryTimer) clearTimeout(retryTimer);
      socket?.close(1000, 'client closed');
      socket = null;
      for (const [, p] of inFlight) p.reject(new ApiError('closed', 'The API client was closed.'));
      inFlight.clear();
      for (const { pending } of queued.splice(0)) pending.reject(new ApiError('closed', 'The API client was closed.'));
      setState({ status: 'closed', attempt: 0 });
    },
  };
}
