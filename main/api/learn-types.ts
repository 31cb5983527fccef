// Argument and result types of the Learn page's live demos, shared by the engine host ops, the services and the renderer.
import type { LoraTarget, Quant } from './engine-options';

/** One token as the page shows it: its id and readable text (word-start markers turned into spaces). */
export interface TokenPiece {
  id: number;
  text: string;
}

export interface NextTokenPosition {
  /** The token that actually comes next in the text. */
  target: TokenPiece;
  /** log p(target | everything before it): what `lathe score` prints for this position. */
  logprob: number;
  /** 1-based rank of the true token among the top k, null when it is not among them. */
  rank: number | null;
  top: (TokenPiece & { logprob: number })[];
}

export interface NextTokenResult {
  model: string;
  tokens: TokenPiece[];
  positions: NextTokenPosition[];
  /** Sum over positions of -log p(true token): the one number a training step lowers. */
  sumLoss: number;
  meanLoss: number;
}

export interface StepLosses {
  logprobs: number[];
  sumLoss: number;
}

export interface OneStepResult {
  model: string;
  tokens: TokenPiece[];
  before: StepLosses;
  after: StepLosses;
  gradNorm: number;
  lr: number;
  rank: number;
  /** Trainable parameters of the throwaway adapter. */
  loraParameters: number;
}

export interface FillCandidate {
  word: string;
  sentence: string;
  /** Sum of log p over the whole completed sentence (both sides of the gap): `lathe score`'s total. */
  logprob: number;
  /** log p(word | left side only): what a left-to-right guess at the gap would use. */
  leftLogprob: number;
  /** Where the word came from: the user's list, or the model's own left-only guess at the gap. */
  source: 'user' | 'model';
}

export interface FillMaskResult {
  model: string;
  left: string;
  right: string;
  /** Best first by whole-sentence log-prob. */
  candidates: FillCandidate[];
}

/** One of the seven LoRA-targetable linear modules of a layer, with its real shape from config.json. */
export interface ModuleShape {
  module: 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down';
  in: number;
  out: number;
}

export interface MemoryParts {
  weights: number;
  /** Trainable weights kept apart from the frozen base (LoRA masters); 0 for full fine-tuning, whose weights train in place. */
  adapter: number;
  gradients: number;
  optimizer: number;
  /** Activations + scratch + logits chunk: what one micro-batch's forward/backward holds. */
  activations: number;
  total: number;
}

export interface Approach {
  id: 'full' | 'lora' | 'qlora';
  label: string;
  trainable: number;
  memory: MemoryParts;
  /** Where each figure comes from, in one sentence. */
  source: string;
}

export interface ApproachesResult {
  model: string;
  layers: number;
  hidden: number;
  vocab: number;
  tied: boolean;
  modules: ModuleShape[];
  baseParameters: number;
  r: number;
  targets: ModuleShape['module'][];
  seqLen: number;
  approaches: Approach[];
}

export interface NextTokenArgs {
  model: string;
  quant?: Quant;
  text: string;
  k: number;
}

export interface OneStepArgs {
  model: string;
  quant?: Quant;
  text: string;
  /** A large rate on purpose: one step must visibly move the loss of one short text. */
  lr: number;
  r: number;
}

export interface FillMaskArgs {
  model: string;
  quant?: Quant;
  /** The sentence with exactly one gap, written ___ . */
  text: string;
  candidates: string[];
  /** How many of the model's own left-only guesses to add to the list (0 = only the user's words). */
  modelGuesses: number;
}

export interface ApproachesArgs {
  model: string;
  r: number;
  targets: LoraTarget[];
  seqLen: number;
  /** Plan from config.json alone (a folder without weights, e.g. a catalog shape); default: read the weights' headers. */
  storageDtype?: 'F32' | 'BF16' | 'F16';
}
