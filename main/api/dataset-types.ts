// Plain data shapes of the datasets API (no Node imports: the renderer imports these types through the contract).

export interface DatasetSummary {
  id: string;
  projectId: string;
  name: string;
  sourcePath: string;
  sourceKind: string;
  format: string;
  total: number;
  valid: number;
  invalid: number;
  duplicates: number;
  rawSha256: string;
  contentHash: string;
  createdAt: string;
  options: Record<string, unknown>;
}

export interface RowIssueView {
  line: number;
  file?: string;
  field: string;
  code: string;
  reason: string;
}

/** The report's token section: the pipeline's stats and policy counts, as sent to the UI. */
export interface TokenStatsView extends TokenStats, PolicyCounts {
  template: string;
  mask: string;
  policy: string;
  alignFallbacks: number;
}

export interface DatasetReportView {
  file: string;
  source: string;
  format: string;
  confidence: number;
  detected: { format: string; confidence: number }[];
  fields: string[];
  map: Record<string, string>;
  jsonField: string | null;
  total: number;
  valid: number;
  invalidCount: number;
  duplicates: number;
  emptyLines: number;
  byCode: Record<string, number>;
  invalid: RowIssueView[];
  invalidTruncated: boolean;
  tokens?: TokenStatsView;
}

/** One token of a preview, with whether the model is trained to predict it. */
export interface PreviewToken {
  id: number;
  text: string;
  trained: boolean;
}

export interface PreviewExample {
  line: number;
  file?: string;
  kind: string;
  /** One sequence, or chosen + rejected for preference data. */
  seqs: { label: string; tokens: PreviewToken[] }[];
}

export interface SplitSummary {
  train: number;
  validation: number;
  seed: number;
}

export interface TokenStats {
  count: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
  /** Examples longer than maxLen (before the policy). */
  overLimit: number;
  maxLen: number | null;
  /** Equal-width bins over [0, top]; `edges` has bins + 1 entries. */
  histogram: { edges: number[]; counts: number[] };
  /** Trained (mask = 1) tokens over all sequences, and all tokens. */
  trainedTokens: number;
  totalTokens: number;
}

export interface PolicyCounts {
  truncated: number;
  dropped: number;
  /** Examples that were split, and the pieces they became. */
  split: number;
  splitPieces: number;
  /** Split pieces left out because they had no trained token. */
  emptyPieces: number;
  /** Rows the truncate policy left out because their last exchange alone is too long (the first LISTED_TOO_LONG). */
  tooLong: { line: number; file?: string; reason: string }[];
}
