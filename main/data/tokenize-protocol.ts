// Messages between the tokenize pool (main thread) and its workers; types only, shared by both sides.
import type { ApiErrorShape } from '../api/errors';
import type { TokenizerSource } from '../models/tokenizer';
import type { RenderSetup } from './render';
import type { LengthFit } from './fit-turns';
import type { TokenSeq } from './tokenize';
import type { Example } from './types';

export interface WorkerInit {
  source: TokenizerSource;
  setup: Omit<RenderSetup, 'tokenizer'>;
}

export interface WorkerRequest {
  id: number;
  examples: Example[];
}

/** One row: its sequences, or the user-fixable error (a LatheError) that made it a bad row. */
export interface WorkerRowResult {
  seqs?: TokenSeq[];
  error?: ApiErrorShape;
  /** Turns of this row left untrained (TokenizedExample.notes). */
  notes?: string[];
  /** How the truncate policy fitted this row (TokenizedExample.lengthFit). */
  lengthFit?: LengthFit;
  /** Sequences of this row masked by the prefix fallback (summed into the report). */
  fallbacks: number;
}

export type WorkerReply =
  | { ready: true }
  | { startError: ApiErrorShape }
  | { id: number; results: WorkerRowResult[] }
  /** An unexpected error (a bug, not a bad row) at examples[index] of request id. */
  | { id: number; fatal: { index: number; message: string; stack?: string } };
