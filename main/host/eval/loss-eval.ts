// A loss evaluation on one loaded model: the adapter's side and, when there is an adapter, the base's (adapter off).
import { scoreSequences, type ScoringModel } from './scorer';
import { worstExamples, type LossSummary, type ScoredSeq } from '../../eval/loss';
import { FORGETTING_THRESHOLD, type EvalResult, type LossRow, type SideResult } from '../../api/eval-types';

export interface LossEvalInput {
  model: ScoringModel;
  seqs: ScoredSeq[];
  hasAdapter: boolean;
  padId: number;
  batchTokens?: number;
  forgetting?: boolean;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

const side = (s: LossSummary): SideResult => ({
  loss: Number.isFinite(s.loss) ? s.loss : null,
  ppl: Number.isFinite(s.ppl) ? s.ppl : null,
  tokens: s.tokens,
  byPosition: s.byPosition,
});

/** Scores both sides; rows hold every example (index order), the caller ranks the worst. */
export async function lossEval(i: LossEvalInput): Promise<Pick<EvalResult, 'base' | 'adapter' | 'rows' | 'forgetting'> & { worst: LossRow[] }> {
  const sides = i.hasAdapter ? [false, true] : [false];
  const res = await scoreSequences(i.model, i.seqs, sides, { padId: i.padId, batchTokens: i.batchTokens, signal: i.signal, onProgress: i.onProgress });
  const main = res.get(i.hasAdapter)!;
  const base = i.hasAdapter ? res.get(false)! : undefined;
  const rows: LossRow[] = main.perExample.map((e) => ({ index: e.index, ...(e.line !== undefined ? { line: e.line } : {}), tokens: e.tokens, loss: e.loss, ...(base ? { baseLoss: base.perExample[e.index].loss } : {}) }));
  const out: Pick<EvalResult, 'base' | 'adapter' | 'rows' | 'forgetting'> & { worst: LossRow[] } = {
    adapter: side(main),
    rows,
    worst: worstExamples(main.perExample, base?.perExample, 10).map((w) => rows[w.index]),
  };
  if (base) out.base = side(base);
  if (i.forgetting && base && Number.isFinite(base.ppl) && Number.isFinite(main.ppl)) {
    const ratio = main.ppl / base.ppl;
    out.forgetting = { ratio, threshold: FORGETTING_THRESHOLD, warn: ratio > 1 + FORGETTING_THRESHOLD };
  }
  return out;
}
