// Engine host process entry: loads the native engine on demand and runs the ops main asks for, one process per job.
import { toApiError, LatheError } from '../api/errors';
import { hostChannel } from './channel';
import { hostOps } from './ops';
import { HEARTBEAT_MS, type HostOpName, type MainToHost } from '../api/host-protocol';

const channel = hostChannel();
const running = new Map<number, { op: string; abort: AbortController }>();

function busy(): string | null {
  const ops = [...running.values()].map((r) => r.op);
  return ops.length ? ops.join(',') : null;
}

async function handle(msg: MainToHost): Promise<void> {
  if (msg.type === 'shutdown') {
    for (const r of running.values()) r.abort.abort();
    process.exit(0);
  }
  if (msg.type === 'cancel') {
    running.get(msg.id)?.abort.abort(msg.reason ?? 'cancel');
    return;
  }
  const impl = hostOps[msg.op as HostOpName] as ((args: unknown, ctx: unknown) => Promise<unknown>) | undefined;
  if (!impl) {
    channel.send({ type: 'response', id: msg.id, ok: false, error: new LatheError('host.unknownOp', `The engine host has no operation "${msg.op}".`).toJSON() });
    return;
  }
  const abort = new AbortController();
  running.set(msg.id, { op: msg.op, abort });
  try {
    const value = await impl(msg.args ?? {}, {
      signal: abort.signal,
      emit: (name: string, payload: unknown) => channel.send({ type: 'event', id: msg.id, name, payload }),
    });
    channel.send({ type: 'response', id: msg.id, ok: true, value });
  } catch (err) {
    channel.send({ type: 'response', id: msg.id, ok: false, error: toApiError(err) });
  } finally {
    running.delete(msg.id);
  }
}

channel.onMessage((msg) => {
  void handle(msg);
});
setInterval(() => channel.send({ type: 'heartbeat', at: Date.now(), busy: busy() }), HEARTBEAT_MS).unref?.();
// Keep the process alive while main holds the channel; it exits on 'shutdown' or when main disconnects.
process.on('disconnect', () => process.exit(0));
channel.send({ type: 'ready', pid: process.pid });
