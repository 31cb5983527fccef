// Shared by the Learn page's engine-host ops: the tokenizer of the last model asked about (loading a 128K vocabulary
// takes about a second) and the limits that keep a live demo quick on a CPU.
import { LatheError } from '../../api/errors';
import { loadTokenizer, type LatheTokenizer } from '../../models/tokenizer';

/** A demo is one sentence or a short paragraph: enough to read every position, short enough to stay interactive. */
export const MAX_DEMO_TOKENS = 256;
/** The cached model's context: room for any demo text without reloading the model (model-cache keeps the longest). */
export const DEMO_CONTEXT = 2048;

let cached: { dir: string; tok: LatheTokenizer } | null = null;

export async function tokenizerFor(dir: string): Promise<LatheTokenizer> {
  if (cached?.dir !== dir) cached = { dir, tok: await loadTokenizer(dir) };
  return cached.tok;
}

/** The text's ids exactly as `lathe score --text` tokenizes it (special tokens as the tokenizer config says). */
export function demoIds(tok: LatheTokenizer, text: string): number[] {
  const ids = tok.encode(text);
  if (ids.length < 2) throw new LatheError('learn.tooShort', 'The text has fewer than 2 tokens: there is nothing to predict.', 'Type a longer sentence.');
  if (ids.length > MAX_DEMO_TOKENS) throw new LatheError('learn.tooLong', `The text is ${ids.length} tokens; the demo takes at most ${MAX_DEMO_TOKENS}.`, 'Shorten it to a sentence or two.');
  return ids;
}

export interface LearnOpContext {
  signal: AbortSignal;
}
