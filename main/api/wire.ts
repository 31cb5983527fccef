// The message shapes that carry the API over any byte transport (web-mode WebSocket; Electron IPC uses the same call/result pairs).
import type { ApiErrorShape } from './errors';

/** Client -> server. `id` is chosen by the client and echoed in the result. */
export interface CallMessage {
  type: 'call';
  id: number;
  method: string;
  args?: unknown;
}

/** Server -> client, exactly one per call. */
export type ResultMessage =
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: ApiErrorShape };

/** Server -> client, pushed to every connected client. */
export interface EventMessage {
  type: 'event';
  event: string;
  payload: unknown;
}

export type ServerMessage = ResultMessage | EventMessage;

/** Web mode: the WebSocket lives at this path; the token travels as `?token=`. */
export const WS_PATH = '/api';
/** The largest message either side accepts (bytes); bigger ones are refused and the socket is closed with 1009. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
