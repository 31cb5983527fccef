// Long dataset operations (inspect, import) as cancellable jobs with throttled progress events. The client picks the
// job id, so it can cancel or match progress before the call returns.
import { LatheError } from '../api/errors';
import type { ReadProgress } from '../data/types';
import type { ServiceContext } from './context';

const running = new Map<string, AbortController>();

/** Runs `work` with an AbortSignal and a progress callback registered under `jobId` (when given). */
export async function withDataJob<T>(ctx: ServiceContext, jobId: string | undefined, work: (opts: { signal?: AbortSignal; onProgress?: (p: ReadProgress) => void }) => Promise<T>): Promise<T> {
  if (!jobId) return work({});
  if (running.has(jobId)) throw new LatheError('datasets.jobExists', `A dataset job with id ${jobId} is already running.`, 'Use a fresh id for each import.');
  const abort = new AbortController();
  running.set(jobId, abort);
  let last = 0;
  const onProgress = (p: ReadProgress) => {
    const now = Date.now();
    if (now - last < 150 && p.bytesRead < p.totalBytes) return;
    last = now;
    ctx.emit('datasets.progress', { jobId, ...p });
  };
  try {
    return await work({ signal: abort.signal, onProgress });
  } catch (err) {
    if (abort.signal.aborted) throw new LatheError('cancelled', 'The dataset job was cancelled; nothing was stored.', 'Start it again when you are ready.');
    throw err;
  } finally {
    running.delete(jobId);
  }
}

export function cancelDataJob(jobId: string): boolean {
  const abort = running.get(jobId);
  abort?.abort();
  return !!abort;
}
