// Shared types of the data pipeline: raw records from readers, row issues, the normalised example and the validation report.

/** Container formats a reader understands. */
export type SourceKind = 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet' | 'text';

/** Dataset schemas that format detection recognises. */
export type DataFormat = 'alpaca' | 'sharegpt' | 'messages' | 'preference' | 'kto' | 'prompts' | 'completion' | 'text';
export const DATA_FORMATS: DataFormat[] = ['alpaca', 'sharegpt', 'messages', 'preference', 'kto', 'prompts', 'completion', 'text'];

export type IssueCode =
  | 'bad_json'
  | 'bad_row'
  | 'invalid_utf8'
  | 'line_too_long'
  | 'truncated'
  | 'missing_field'
  | 'wrong_type'
  | 'empty_answer'
  | 'empty_field'
  | 'unknown_role'
  | 'not_alternating'
  | 'no_answer'
  | 'identical_pair'
  | 'bad_label'
  | 'duplicate'
  | 'too_long'
  | 'template_error';

/** One row that is not used, and why. `line` is a 1-based line (text formats) or row (Parquet) number. */
export interface RowIssue {
  line: number;
  file?: string;
  field: string;
  code: IssueCode;
  reason: string;
}

/** What a reader yields: a parsed record, or the reason the row could not be parsed. */
export interface RawRecord {
  line: number;
  /** Set when the source is a folder of files. */
  file?: string;
  value?: Record<string, unknown>;
  issue?: Omit<RowIssue, 'line' | 'file'>;
}

export interface ChatMessage {
  role: string;
  content: string;
  /** Assistant tool calls as the row has them (OpenAI/transformers shape), rendered by the model's template. */
  tool_calls?: unknown[];
  /** Assistant reasoning kept apart from the answer (`reasoning_content`, or a `thinking` field), as Qwen3's template reads it. */
  reasoning_content?: string;
  /** Tool messages: the tool's name and the call they answer, when the row gives them. */
  name?: string;
  tool_call_id?: string;
  /** Per-turn training control from the row (`train`, or `weight` 0/1): overrides the mask mode for this message. */
  train?: boolean;
}

export type ExampleKind = 'chat' | 'preference' | 'completion' | 'text';

/**
 * The one internal schema every valid row becomes. chat: messages ending with an assistant turn.
 * preference: messages is the prompt; chosen/rejected are the competing assistant turns.
 * completion: [user prompt, assistant completion] rendered without a chat template by default.
 * text: raw text for continued pre-training; messages is empty.
 * KTO rows are chat examples (prompt + one assistant completion) with a `label`.
 */
export interface Example {
  line: number;
  file?: string;
  kind: ExampleKind;
  messages: ChatMessage[];
  /** The row's `tools` column: JSON-schema tool definitions handed to the template as `tools`. */
  tools?: unknown[];
  chosen?: ChatMessage[];
  rejected?: ChatMessage[];
  text?: string;
  /** KTO rows: whether the completion is desirable (true) or undesirable (false). */
  label?: boolean;
  /** GRPO prompt rows: the reference answer handed to the reward functions (messages end with the user turn). */
  answer?: string;
}

export interface ReadProgress {
  bytesRead: number;
  totalBytes: number;
  rows: number;
}

export interface ReaderOptions {
  signal?: AbortSignal;
  onProgress?: (p: ReadProgress) => void;
  /** Longest accepted line in bytes (default 16 MiB); longer lines are reported, not buffered. */
  maxLineBytes?: number;
  /** Longest accepted record (JSON element, CSV record, text document) in bytes (default 64 MiB). */
  maxRecordBytes?: number;
  /** JSON: the top-level field that holds the list of rows (default: the first array-valued field). */
  jsonField?: string;
  /** Plain text: one example per file ('document', default) or per blank-line separated paragraph. */
  textUnit?: 'document' | 'paragraph';
}

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;
