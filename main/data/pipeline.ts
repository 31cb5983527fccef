// One pass over a dataset: validate, normalise, render, tokenize, measure lengths and apply the length policy.
import { basename } from 'node:path';
import { LatheError } from '../api/errors';
import type { LatheTokenizer } from '../models/tokenizer';
import { applyLengthPolicy, emptyPolicyCounts, LengthStats, type LengthPolicy, type PolicyCounts, type TokenStats } from './lengths';
import type { MaskMode, TemplateName } from './render';
import { packingStats, type PackingStats } from './packing-report';
import type { TokenizedExample } from './tokenize';
import { TokenizeStage, type ParallelOptions, type StageResult } from './tokenize-stage';
import type { Example } from './types';
import { emptyReport, validateDataset, type ValidateOptions, type ValidationReport } from './validate';

export interface TokenizeOptions extends ParallelOptions {
  tokenizer: LatheTokenizer;
  /** Default: the model's own template when it has one, else ChatML. */
  template?: TemplateName;
  mask?: MaskMode;
  templateOverride?: string;
  /** Template variables (Qwen3's enable_thinking, custom template kwargs). */
  extra?: Record<string, unknown>;
  trainReasoning?: boolean;
  trainOnEos?: boolean;
  /** Longest sequence in tokens; null/undefined: no limit (stats only). */
  maxLen?: number | null;
  policy?: LengthPolicy;
}

export interface PipelineOptions extends ValidateOptions {
  tokenize?: TokenizeOptions;
  /** Every valid normalised example, in file order (the library writes them to normalized.jsonl). */
  onExample?: (ex: Example) => void | Promise<void>;
  /** Every tokenized example after the length policy. */
  onTokenized?: (t: TokenizedExample) => void | Promise<void>;
}

export interface DatasetReport extends ValidationReport {
  tokens?: TokenStats & {
    template: TemplateName;
    mask: MaskMode;
    policy: LengthPolicy;
    tokenizerHash: string;
    /** Sequences masked by the slower prefix method because tokens could not be aligned to the text. */
    alignFallbacks: number;
    /** Kept rows with a turn left untrained because the template does not show it as written (line, field, reason). */
    untrainedTurns: { line: number; file?: string; field: string; reason: string }[];
    /** With a maxLen: what packing the kept sequences into maxLen rows gives (rows per pack, padding saved). */
    packing?: PackingStats;
  } & PolicyCounts;
}

export function defaultTemplate(tok: LatheTokenizer): TemplateName {
  return tok.chatTemplate != null ? 'model' : 'chatml';
}

export async function runPipeline(path: string, opts: PipelineOptions = {}): Promise<DatasetReport> {
  const report: DatasetReport = emptyReport(opts.displayName ?? basename(path), 'jsonl');
  const t = opts.tokenize;
  const stats = new LengthStats();
  const counts = emptyPolicyCounts();
  const template = t ? t.template ?? (t.templateOverride ? 'model' : defaultTemplate(t.tokenizer)) : 'chatml';
  const policy = t?.policy ?? 'truncate';
  const stage = t
    ? new TokenizeStage(
      { tokenizer: t.tokenizer, template, mask: t.mask ?? 'assistant', templateOverride: t.templateOverride, extra: t.extra, trainReasoning: t.trainReasoning, trainOnEos: t.trainOnEos, maxLen: t.maxLen, lengthPolicy: policy },
      { workers: t.workers, poolAfter: t.poolAfter, batchSize: t.batchSize, waitForPool: t.waitForPool, onPool: t.onPool, signal: opts.signal, path },
    )
    : null;

  const packLengths: number[] = [];
  const untrained: NonNullable<DatasetReport['tokens']>['untrainedTurns'] = [];
  let handleFailed = false;
  const handle = async (r: StageResult): Promise<void> => {
    try {
      await handleOne(r);
    } catch (err) {
      handleFailed = true;
      throw err;
    }
  };
  const handleOne = async (r: StageResult): Promise<void> => {
    const { ex } = r;
    if (r.error) {
      const err = r.error;
      // A row the template cannot render is a bad row like any other: listed and counted, never dropped silently.
      report.valid--;
      report.invalidCount++;
      report.byCode.template_error = (report.byCode.template_error ?? 0) + 1;
      const issue = { line: ex.line, ...(ex.file ? { file: ex.file } : {}), field: /^messages\[\d+\](?:\.\w+)?/.exec(err.message)?.[0] ?? 'messages', code: 'template_error' as const, reason: err.message };
      if (report.invalid.length < (opts.maxListed ?? 100_000)) report.invalid.push(issue); else report.invalidTruncated = true;
      opts.onIssue?.(issue);
      if (opts.onInvalid === 'abort') throw new LatheError('data_invalid_row', `${report.file} line ${ex.line}: ${err.message}`, err.hint);
      return;
    }
    await opts.onExample?.(ex);
    const tok = r.tok!;
    for (const reason of tok.notes ?? []) {
      if (untrained.length >= (opts.maxListed ?? 100_000)) break;
      untrained.push({ line: ex.line, ...(ex.file ? { file: ex.file } : {}), field: /^messages\[\d+\]/.exec(reason)?.[0] ?? 'messages', reason });
    }
    stats.add(tok);
    const kept = t!.maxLen ? applyLengthPolicy(tok, t!.maxLen, policy, t!.tokenizer.bosId, counts) : [tok];
    // Single sequences are what packing combines (preference pairs stay whole).
    if (t!.maxLen) for (const k of kept) if (k.seqs.length === 1) packLengths.push(k.seqs[0].ids.length);
    for (const k of kept) await opts.onTokenized?.(k);
  };

  try {
    try {
      for await (const ex of validateDataset(path, opts, report)) {
        if (stage) for (const r of await stage.push(ex)) await handle(r);
        else await opts.onExample?.(ex);
      }
    } catch (err) {
      // With skip-invalid off, the first bad row in file order stops the import: rows still in the workers come
      // before the one the validator just rejected, and one of them may be bad too.
      if (stage && !handleFailed && err instanceof LatheError && err.code === 'data_invalid_row') for (const r of await stage.finish()) await handle(r);
      throw err;
    }
    if (stage) for (const r of await stage.finish()) await handle(r);
  } finally {
    await stage?.close();
  }
  if (t && stage) {
    report.tokens = {
      ...stats.summary(t.maxLen ?? null),
      template,
      mask: t.mask ?? 'assistant',
      policy,
      tokenizerHash: t.tokenizer.hash,
      alignFallbacks: stage.alignFallbacks,
      untrainedTurns: untrained,
      ...(t.maxLen ? { packing: packingStats(packLengths, t.maxLen) } : {}),
      ...counts,
    };
  }
  report.invalid.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.line - b.line);
  return report;
}
