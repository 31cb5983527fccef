// One evaluation end to end in the process that holds the engine (the engine host, or the CLI acting as its own):
// load the base once, load the adapter into it, then score or answer with the adapter switched off and on.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LatheError } from '../../api/errors';
import { loadTokenizer } from '../../models/tokenizer';
import { loadEvalSet } from '../../eval/eval-set';
import type { EvalArgs, EvalResult } from '../../api/eval-types';
import { loadSequences } from './sources';
import { lossEval } from './loss-eval';
import { promptIds, taskEval } from './task-eval';
import { withModel } from './model-cache';

export interface EvalProgress {
  phase: 'load' | 'score' | 'generate';
  done: number;
  total: number;
  message?: string;
}

export interface RunEvalOptions {
  signal?: AbortSignal;
  onProgress?(p: EvalProgress): void;
  log?(message: string): void;
}

function checkFolders(args: EvalArgs): void {
  if (!existsSync(join(args.model, 'config.json'))) throw new LatheError('eval.noModel', `${args.model} is not a model folder (no config.json).`, 'Give the base model folder (Hugging Face layout).');
  if (args.adapter && !existsSync(join(args.adapter, 'adapter_config.json'))) {
    throw new LatheError('eval.noAdapter', `${args.adapter} is not an adapter folder (no adapter_config.json).`, "Give a run's adapter/ folder, a checkpoint folder, or a PEFT adapter folder.");
  }
}

export async function runEval(args: EvalArgs, o: RunEvalOptions = {}): Promise<EvalResult> {
  checkFolders(args);
  const started = performance.now();
  const log = o.log ?? (() => undefined);
  const seqLen = args.seqLen ?? 1024;
  const tok = await loadTokenizer(args.model);
  const hasAdapter = !!args.adapter;
  o.onProgress?.({ phase: 'load', done: 0, total: 1, message: 'preparing data' });
  // Data first: a broken eval set or dataset is refused before any model is loaded.
  const isTask = args.source.kind === 'evalSet';
  const evalSet = args.source.kind === 'evalSet' ? loadEvalSet(args.source.path) : null;
  const data = isTask ? null : await loadSequences(args.source, tok, seqLen, log);
  const maxNew = args.maxNewTokens ?? 256;
  const longest = evalSet
    ? Math.max(...evalSet.rows.map((r) => promptIds(tok, r.messages).length + (r.spec.kind === 'choice' ? Math.max(...r.spec.options!.map((x) => tok.encode(x).length)) + 8 : maxNew)))
    : Math.max(2, ...data!.seqs.map((s) => s.ids.length));
  o.onProgress?.({ phase: 'load', done: 0, total: 1, message: 'loading the model' });
  return withModel({ model: args.model, quant: args.quant ?? 'none', threads: args.threads, maxSeqLen: longest + 1, signal: o.signal }, async ({ model, useAdapter }) => {
    if (args.adapter) await useAdapter(args.adapter);
    const base = { source: args.source, model: args.model, adapterPath: args.adapter ?? null };
    if (evalSet) {
      const r = await taskEval({
        model, tok, rows: evalSet.rows, hasAdapter, maxNewTokens: maxNew, signal: o.signal,
        onProgress: (done, total) => o.onProgress?.({ phase: 'generate', done, total }),
      });
      const seconds = (performance.now() - started) / 1000;
      return { kind: 'task', ...base, dataHash: evalSet.hash, base: r.base, adapter: r.adapter, rows: r.rows, truncated: 0, seconds, tokensPerSecond: r.tokens / seconds };
    }
    const scoreStart = performance.now();
    const r = await lossEval({
      model, seqs: data!.seqs, hasAdapter, padId: tok.padId ?? tok.eosId ?? 0, batchTokens: args.batchTokens, forgetting: args.source.kind === 'forgetting', signal: o.signal,
      onProgress: (done, total) => o.onProgress?.({ phase: 'score', done, total }),
    });
    const positions = data!.seqs.reduce((s, x) => s + x.ids.length, 0) * (hasAdapter ? 2 : 1);
    const seconds = (performance.now() - started) / 1000;
    return { kind: 'loss', ...base, dataHash: data!.dataHash, ...r, truncated: data!.truncated, seconds, tokensPerSecond: positions / ((performance.now() - scoreStart) / 1000) };
  });
}
