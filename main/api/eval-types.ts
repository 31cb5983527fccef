// The shapes of an evaluation request and its result, shared by the engine host, the CLI, the API and the UI.
import type { Quant } from './engine-options';

/** What to evaluate on. */
export type EvalSource =
  /** A run's validation split (the same rows, template, mask and split the trainer used). */
  | { kind: 'validation'; runDir: string }
  /** A dataset file or an imported dataset folder: supervised tokens only (the loss mask). */
  | { kind: 'data'; path: string }
  /** A raw text file: every token, in windows of seqLen tokens. */
  | { kind: 'text'; path: string }
  /** Lathe's bundled general-text sample: the forgetting probe. */
  | { kind: 'forgetting' }
  /** A task eval set (JSONL rows {prompt | messages, expected?, check}). */
  | { kind: 'evalSet'; path: string };

export interface EvalTarget {
  /** Base model folder. */
  model: string;
  /** PEFT adapter folder (a run's adapter/ or a checkpoint folder); absent = the base alone. */
  adapter?: string;
  quant?: 'none' | 'nf4' | 'int8';
  threads?: number;
}

export interface EvalArgs extends EvalTarget {
  source: EvalSource;
  /** Longest sequence scored (longer examples are truncated, counted in `truncated`); default 1024. */
  seqLen?: number;
  /** Task evals: most tokens generated per answer; default 256. */
  maxNewTokens?: number;
  /** Positions per scoring forward; default 4096. */
  batchTokens?: number;
}

/** One side's figures (the base, or the adapter). */
export interface SideResult {
  loss: number | null;
  ppl: number | null;
  tokens: number;
  passRate?: number;
  passed?: number;
  byPosition?: LossSummary['byPosition'];
}

export type RowDiff = 'fixed' | 'broken' | 'still-failing' | 'still-passing';

export interface LossRow {
  index: number;
  line?: number;
  tokens: number;
  loss: number;
  baseLoss?: number;
}

export interface TaskRow {
  line: number;
  prompt: string;
  expected?: string;
  check: CheckKind;
  output: string;
  pass: boolean;
  reason?: string;
  baseOutput?: string;
  basePass?: boolean;
  baseReason?: string;
  diff?: RowDiff;
}

export interface EvalResult {
  kind: 'loss' | 'task';
  source: EvalSource;
  /** sha256 of the data evaluated (file bytes; for a run's split, its dataset's bytes plus the split settings). */
  dataHash: string;
  model: string;
  adapterPath: string | null;
  /** Present only when an adapter is evaluated: the same model with the adapter off. */
  base?: SideResult;
  /** The model evaluated: the adapter when one is given, else the base alone. */
  adapter: SideResult;
  rows: (LossRow | TaskRow)[];
  /** Loss evals: the highest-loss examples (adapter side), worst first. */
  worst?: LossRow[];
  /** Examples cut to seqLen tokens. */
  truncated: number;
  /** Forgetting probe: adapter perplexity over base perplexity, and whether it crossed the warning threshold. */
  forgetting?: { ratio: number; threshold: number; warn: boolean };
  seconds: number;
  /** Scored (or generated) tokens per second over both sides. */
  tokensPerSecond: number;
}

/** How much worse (adapter ppl / base ppl - 1) the forgetting probe tolerates before it warns. */
export const FORGETTING_THRESHOLD = 0.1;

export function diffOf(basePass: boolean, pass: boolean): RowDiff {
  if (pass) return basePass ? 'still-passing' : 'fixed';
  return basePass ? 'broken' : 'still-failing';
}

export interface ExampleLoss {
  index: number;
  line?: number;
  /** Mean NLL over this example's supervised tokens (NaN when it has none). */
  loss: number;
  tokens: number;
}

export interface LossSummary {
  /** Mean NLL per supervised token (nats). */
  loss: number;
  /** exp(loss). */
  ppl: number;
  /** Supervised tokens scored. */
  tokens: number;
  examples: number;
  perExample: ExampleLoss[];
  /** Mean NLL of the targets at positions [start, start + width), for a loss-by-position chart. */
  byPosition: { start: number; loss: number; tokens: number }[];
}

export type CheckKind = 'exact' | 'contains' | 'regex' | 'json' | 'json-schema' | 'choice';

export interface EvalRecord {
  id: string;
  projectId: string | null;
  runId: string | null;
  checkpoint: number | null;
  kind: EvalResult['kind'];
  sourceKind: string;
  sourcePath: string | null;
  dataHash: string;
  model: string;
  adapter: string | null;
  settings: Record<string, unknown>;
  base: SideResult | null;
  adapterSide: SideResult;
  createdAt: string;
}

export interface Transcript {
  id: string;
  projectId: string;
  title: string;
  settings: Record<string, unknown>;
  turns: ChatTurn[];
  createdAt: string;
}

export interface AbPair {
  id: string;
  projectId: string;
  prompt: string;
  answerA: string;
  answerB: string;
  /** Which model wrote each answer: hidden from the UI until rated. */
  sideA: string;
  sideB: string;
  choice: 'a' | 'b' | 'both-bad' | null;
  createdAt: string;
}

export interface ChatAnswer {
  side: string | null;
  text: string;
  tokens: number;
  finishReason: string;
  seed: number;
}

export interface ChatTurn {
  prompt: string;
  answers: { side: string; text: string }[];
}

/** One message of a conversation, as chat templates take it. */
export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatSettings {
  temperature: number;
  topP: number;
  maxNewTokens: number;
  seed: number;
  /** Same seed for every side: with identical sampling, the difference between answers is the adapter's alone. */
  sameSeed: boolean;
  system?: string;
}

export interface ChatArgs {
  model: string;
  quant?: Quant;
  threads?: number;
  /** Each side: null = the base (adapter off), else an adapter folder. */
  sides: (string | null)[];
  messages: ChatMessage[];
  settings: ChatSettings;
}
