// One pass over a dataset: validate, normalise, render, tokenize, measure lengths and apply the length policy.
import { basename } from 'node:path';
import { LatheError } from '../api/errors';
import type { LatheTokenizer } from '../models/tokenizer';
import { applyLengthPolicy, emptyPolicyCounts, LengthStats, type LengthPolicy, type PolicyCounts, type TokenStats } from './lengths';
import type { MaskMode, TemplateName } from './render';
import { ExampleTokenizer, type TokenizedExample } from './tokenize';
import type { Example } from './types';
import { emptyReport, validateDataset, type ValidateOptions, type ValidationReport } from './validate';

export interface TokenizeOptions {
  tokenizer: LatheTokenizer;
  /** Default: the model's own template when it has one, else ChatML. */
  template?: TemplateName;
  mask?: MaskMode;
  templateOverride?: string;
  extra?: Record<string, unknown>;
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
  } & PolicyCounts;
}

export function defaultTemplate(tok: LatheTokenizer): TemplateName {
  return tok.chatTemplate != null ? 'model' : 'chatml';
}

export async function runPipeline(path: string, opts: PipelineOptions = {}): Promise<DatasetReport> {
  const report: DatasetReport = emptyReport(opts.displayName ?? basename(path), 'jsonl');
  const t = opts.tokenize;
  let et: ExampleTokenizer | null = null;
  const stats = new LengthStats();
  const counts = emptyPolicyCounts();
  const template = t ? t.template ?? (t.templateOverride ? 'model' : defaultTemplate(t.tokenizer)) : 'chatml';
  const policy = t?.policy ?? 'truncate';
  if (t) et = new ExampleTokenizer({ tokenizer: t.tokenizer, template, mask: t.mask ?? 'assistant', templateOverride: t.templateOverride, extra: t.extra });

  for await (const ex of validateDataset(path, opts, report)) {
    if (et && t) {
      let tok: TokenizedExample;
      try {
        tok = et.tokenize(ex);
      } catch (err) {
        if (!(err instanceof LatheError)) throw err;
        // A row the template cannot render is a bad row like any other: listed and counted, never dropped silently.
        report.valid--;
        report.invalidCount++;
        report.byCode.template_error = (report.byCode.template_error ?? 0) + 1;
        const issue = { line: ex.line, ...(ex.file ? { file: ex.file } : {}), field: 'messages', code: 'template_error' as const, reason: err.message };
        if (report.invalid.length < (opts.maxListed ?? 100_000)) report.invalid.push(issue); else report.invalidTruncated = true;
        opts.onIssue?.(issue);
        if (opts.onInvalid === 'abort') throw new LatheError('data_invalid_row', `${report.file} line ${ex.line}: ${err.message}`, err.hint);
        continue;
      }
      await opts.onExample?.(ex);
      stats.add(tok);
      const kept = t.maxLen ? applyLengthPolicy(tok, t.maxLen, policy, t.tokenizer.bosId, counts) : [tok];
      for (const k of kept) await opts.onTokenized?.(k);
    } else {
      await opts.onExample?.(ex);
    }
  }
  if (t && et) {
    report.tokens = {
      ...stats.summary(t.maxLen ?? null),
      template,
      mask: t.mask ?? 'assistant',
      policy,
      tokenizerHash: t.tokenizer.hash,
      alignFallbacks: et.alignFallbacks,
      ...counts,
    };
  }
  report.invalid.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.line - b.line);
  return report;
}
