// Worker-thread entry of the tokenize pool: loads the same tokenizer, then renders, tokenizes and masks batches of examples.
import { parentPort, workerData } from 'node:worker_threads';
import { LatheError } from '../api/errors';
import { loadTokenizer } from '../models/tokenizer';
import { ExampleTokenizer } from './tokenize';
import type { WorkerInit, WorkerReply, WorkerRequest, WorkerRowResult } from './tokenize-protocol';

async function start(init: WorkerInit): Promise<ExampleTokenizer> {
  const tokenizer = await loadTokenizer(init.source.dir, { fastEncode: init.source.fastEncode });
  if (tokenizer.hash !== init.source.hash) {
    throw new LatheError(
      'tokenizer_changed',
      `${init.source.dir}: the tokenizer files changed while the dataset was being tokenized.`,
      'Wait until the model download or copy has finished, then start the import again.',
    );
  }
  return new ExampleTokenizer({ tokenizer, ...init.setup });
}

function serve(et: ExampleTokenizer, port: NonNullable<typeof parentPort>): void {
  port.on('message', (req: WorkerRequest) => {
    const results: WorkerRowResult[] = [];
    const transfer: ArrayBuffer[] = [];
    for (let i = 0; i < req.examples.length; i++) {
      const before = et.alignFallbacks;
      try {
        const t = et.tokenize(req.examples[i]);
        for (const s of t.seqs) transfer.push(s.ids.buffer as ArrayBuffer, s.mask.buffer as ArrayBuffer);
        results.push({ seqs: t.seqs, fallbacks: et.alignFallbacks - before, ...(t.notes ? { notes: t.notes } : {}), ...(t.lengthFit ? { lengthFit: t.lengthFit } : {}) });
      } catch (err) {
        if (err instanceof LatheError) {
          results.push({ error: err.toJSON(), fallbacks: et.alignFallbacks - before });
          continue;
        }
        // Anything else is a bug, not a bad row: the pool stops the import and names the row.
        const e = err as Error;
        const reply: WorkerReply = { id: req.id, fatal: { index: i, message: e?.message ?? String(err), stack: e?.stack } };
        port.postMessage(reply);
        return;
      }
    }
    const reply: WorkerReply = { id: req.id, results };
    // Fresh typed arrays per sequence, so their buffers move to the main thread without a copy.
    port.postMessage(reply, [...new Set(transfer)]);
  });
}

if (parentPort) {
  const port = parentPort;
  start(workerData as WorkerInit).then(
    (et) => {
      serve(et, port);
      port.postMessage({ ready: true } satisfies WorkerReply);
    },
    (err: unknown) => {
      const e = err as LatheError;
      port.postMessage({ startError: { code: e?.code ?? 'tokenizer_worker_failed', message: e?.message ?? String(err), hint: e?.hint } } satisfies WorkerReply);
    },
  );
}
