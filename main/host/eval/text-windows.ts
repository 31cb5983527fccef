// Raw text as scored windows (every token a target), and where Lathe's general-text forgetting probe lives. Shared by
// the loss evals (sources.ts) and continued pre-training's forgetting probe (trainer/objectives/cpt.ts).
import { join } from 'node:path';
import { appRoot } from '../../app-root';
import type { ScoredSeq } from '../../eval/loss';
import type { LatheTokenizer } from '../../models/tokenizer';

export const forgettingProbePath = () => join(appRoot(), 'assets', 'eval', 'general-text.txt');

/** Raw text: the whole file's tokens, cut into windows of seqLen tokens (each window starts with BOS when the model uses one). */
export function textWindows(text: string, tok: LatheTokenizer, seqLen: number): ScoredSeq[] {
  const body = tok.encode(text, { addSpecialTokens: false });
  const bos = tok.addBosToken && tok.bosId != null ? [tok.bosId] : [];
  const step = seqLen - bos.length;
  const out: ScoredSeq[] = [];
  for (let at = 0; at < body.length; at += step) {
    const ids = [...bos, ...body.slice(at, at + step)];
    // With no BOS, a window's first token has no context: it is not a target (mask[0] is never scored anyway).
    out.push({ ids, mask: new Uint8Array(ids.length).fill(1) });
  }
  return out;
}

