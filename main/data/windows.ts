// Continued pre-training windows: a long token stream cut into windows of `len` tokens that start every `stride`
// tokens. Each token is a training target exactly once: where windows overlap, the repeated tokens are context only.
import type { TokenSeq } from './tokenize';

export function slidingWindows(ids: ArrayLike<number>, len: number, stride: number): TokenSeq[] {
  if (len < 2) throw new Error(`slidingWindows: a window needs at least 2 tokens (got ${len})`);
  if (stride < 1 || stride > len - 1) throw new Error(`slidingWindows: stride must be 1..${len - 1} so no token is skipped (got ${stride})`);
  const out: TokenSeq[] = [];
  if (ids.length < 2) return out;
  /** Tokens [0, scoredTo) have already been targets (token 0 never is: nothing precedes it). */
  let scoredTo = 1;
  for (let start = 0; scoredTo < ids.length; start += stride) {
    const end = Math.min(ids.length, start + len);
    const w = Uint32Array.from({ length: end - start }, (_, i) => ids[start + i]);
    const mask = new Uint8Array(w.length);
    for (let i = Math.max(1, scoredTo - start); i < w.length; i++) mask[i] = 1;
    out.push({ ids: w, mask });
    scoredTo = end;
  }
  return out;
}
