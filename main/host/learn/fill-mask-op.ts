// The Learn page's masked-word demo in the engine host, done honestly with a causal model: each candidate word is put
// into the gap and the whole completed sentence is scored, so the words after the gap count too. The left-only score
// log p(word | left side) is shown beside it, to make the difference visible.
import { LatheError } from '../../api/errors';
import type { EngineModel } from '../../engine/engine';
import type { LatheTokenizer } from '../../models/tokenizer';
import type { FillCandidate, FillMaskArgs, FillMaskResult } from '../../api/learn-types';
export type { FillMaskArgs };
import { withModel } from '../eval/model-cache';
import { DEMO_CONTEXT, demoIds, tokenizerFor, type LearnOpContext } from './common';
import { tokenText } from '../../learn/token-text';

export const GAP = '___';

export function splitGap(text: string): { left: string; right: string } {
  const parts = text.split(GAP);
  if (parts.length !== 2) throw new LatheError('learn.gap', `Write exactly one gap as ${GAP} (found ${parts.length - 1}).`, `Example: The cat sat on the ${GAP} by the door.`);
  return { left: parts[0], right: parts[1] };
}

const sum = (lp: ArrayLike<number>) => Array.from(lp).reduce((a, b) => a + b, 0);

/** Total log-prob of a text, as `lathe score --text` computes it. */
async function scoreText(model: EngineModel, tok: LatheTokenizer, text: string, signal: AbortSignal): Promise<number> {
  return sum(await model.logprobs(demoIds(tok, text), { adapter: false, signal }));
}

/** The model's best next words after the left side alone (whole-word tokens only, so they read as fillers). */
async function leftGuesses(model: EngineModel, tok: LatheTokenizer, left: string, k: number, signal: AbortSignal): Promise<string[]> {
  if (k <= 0) return [];
  const ids = tok.encode(left.trimEnd());
  // topk predicts the token after each position but the last; one dummy token makes the gap a predicted position.
  const withDummy = [...ids, ids[ids.length - 1]];
  const want = Math.min(50, k * 5);
  const top = await model.topk(withDummy, want, { adapter: false, signal });
  const at = withDummy.length - 2;
  const words: string[] = [];
  for (let j = 0; j < want && words.length < k; j++) {
    const w = tokenText(tok, top.ids[at * want + j]).trim();
    if (/^[\p{L}\p{N}]+$/u.test(w) && !words.includes(w)) words.push(w);
  }
  return words;
}

export async function fillMaskOp(a: FillMaskArgs, ctx: LearnOpContext): Promise<FillMaskResult> {
  const { left, right } = splitGap(a.text);
  const tok = await tokenizerFor(a.model);
  return withModel({ model: a.model, quant: a.quant ?? 'none', maxSeqLen: DEMO_CONTEXT, signal: ctx.signal }, async ({ model }) => {
    const user = [...new Set(a.candidates.map((c) => c.trim()).filter(Boolean))];
    const guesses = (await leftGuesses(model, tok, left, a.modelGuesses, ctx.signal)).filter((w) => !user.includes(w));
    const words: { word: string; source: FillCandidate['source'] }[] = [...user.map((word) => ({ word, source: 'user' as const })), ...guesses.map((word) => ({ word, source: 'model' as const }))];
    if (!words.length) throw new LatheError('learn.noCandidates', 'There are no words to try in the gap.', 'Type a few candidate words, separated by commas.');
    // log p(word | left) = score(left + word) - score(left): the same totals `lathe score` prints, subtracted.
    const leftText = left.trimEnd();
    const leftScore = tok.encode(leftText).length >= 2 ? await scoreText(model, tok, leftText, ctx.signal) : 0;
    const out: FillCandidate[] = [];
    for (const w of words) {
      const sentence = left + w.word + right;
      const logprob = await scoreText(model, tok, sentence, ctx.signal);
      const leftLogprob = (await scoreText(model, tok, left + w.word, ctx.signal)) - leftScore;
      out.push({ word: w.word, sentence, logprob, leftLogprob, source: w.source });
    }
    out.sort((x, y) => y.logprob - x.logprob);
    return { model: a.model, left, right, candidates: out };
  });
}
