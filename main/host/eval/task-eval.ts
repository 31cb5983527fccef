// Task evals: each row's prompt is rendered with the model's chat template, answered greedily (KV-cache generation,
// stopping at the template's end-of-turn tokens) with the adapter off and on, and judged by the row's check.
// `choice` rows generate nothing: the option with the highest total log-prob after the prompt is the answer.
import type { GenerateOptions, GenerateResult } from '../../engine/engine';
import type { LatheTokenizer } from '../../models/tokenizer';
import type { ChatMessage } from '../../models/chat-template';
import type { EvalSetRow } from '../../eval/eval-set';
import { diffOf, type SideResult, type TaskRow } from '../../api/eval-types';
import type { ScoringModel } from './scorer';

export interface TaskModel extends ScoringModel {
  generate(ids: ArrayLike<number>, opts?: GenerateOptions, onToken?: (t: number) => void): Promise<GenerateResult>;
}

/** Prompt ids: the chat template with its generation prompt, or (a base model without one) the turns' text joined. */
export function promptIds(tok: LatheTokenizer, messages: ChatMessage[]): number[] {
  if (tok.chatTemplate) return tok.encode(tok.renderChat(messages, { addGenerationPrompt: true }), { addSpecialTokens: false });
  return tok.encode(messages.map((m) => m.content).join('\n\n') + '\n');
}

/**
 * Token ids of prompt + option, and where the option starts. The option is tokenized in context (joined to the
 * prompt text) because a tokenizer merges differently at a boundary; the common prefix with the prompt alone marks it.
 */
export function optionIds(tok: LatheTokenizer, messages: ChatMessage[], option: string): { ids: number[]; start: number } {
  const prompt = promptIds(tok, messages);
  const text = tok.chatTemplate ? tok.renderChat(messages, { addGenerationPrompt: true }) + option : messages.map((m) => m.content).join('\n\n') + '\n' + option;
  const ids = tok.encode(text, { addSpecialTokens: !tok.chatTemplate });
  let start = 0;
  while (start < prompt.length && start < ids.length && prompt[start] === ids[start]) start++;
  // At least one option token is scored even when the option merged into the prompt's last token.
  return { ids, start: Math.min(start, ids.length - 1) };
}

export interface TaskEvalInput {
  model: TaskModel;
  tok: LatheTokenizer;
  rows: EvalSetRow[];
  hasAdapter: boolean;
  maxNewTokens: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number, row: TaskRow): void;
}

async function answer(i: TaskEvalInput, row: EvalSetRow, adapter: boolean): Promise<{ text: string; tokens: number }> {
  if (row.spec.kind === 'choice') {
    let best = '';
    let bestLp = -Infinity;
    let tokens = 0;
    for (const option of row.spec.options!) {
      const { ids, start } = optionIds(i.tok, row.messages, option);
      const lp = await i.model.logprobs(ids, { adapter, signal: i.signal });
      let sum = 0;
      for (let k = start; k < ids.length; k++) sum += lp[k - 1];
      tokens += ids.length;
      if (sum > bestLp) {
        bestLp = sum;
        best = option;
      }
    }
    return { text: best, tokens };
  }
  const ids = promptIds(i.tok, row.messages);
  const res = await i.model.generate(ids, { maxNewTokens: i.maxNewTokens, temperature: 0, stop: i.tok.stopIds, adapter, signal: i.signal });
  const text = i.tok.decode(res.tokens.filter((t) => !i.tok.stopIds.includes(t)), { skipSpecialTokens: true });
  return { text, tokens: ids.length + res.tokens.length };
}

export async function taskEval(i: TaskEvalInput): Promise<{ base?: SideResult; adapter: SideResult; rows: TaskRow[]; tokens: number }> {
  const rows: TaskRow[] = [];
  let tokens = 0;
  for (const row of i.rows) {
    const main = await answer(i, row, i.hasAdapter);
    const verdict = row.check.judge(main.text);
    tokens += main.tokens;
    const prompt = row.messages.at(-1)!.content;
    const out: TaskRow = { line: row.line, prompt, ...(row.expected !== undefined ? { expected: row.expected } : {}), check: row.spec.kind, output: main.text, pass: verdict.pass, ...(verdict.reason ? { reason: verdict.reason } : {}) };
    if (i.hasAdapter) {
      const base = await answer(i, row, false);
      const bv = row.check.judge(base.text);
      tokens += base.tokens;
      Object.assign(out, { baseOutput: base.text, basePass: bv.pass, ...(bv.reason ? { baseReason: bv.reason } : {}), diff: diffOf(bv.pass, verdict.pass) });
    }
    rows.push(out);
    i.onProgress?.(rows.length, i.rows.length, out);
  }
  const rate = (passes: number): SideResult => ({ loss: null, ppl: null, tokens: 0, passed: passes, passRate: rows.length ? passes / rows.length : 0 });
  const result: { base?: SideResult; adapter: SideResult; rows: TaskRow[]; tokens: number } = { adapter: rate(rows.filter((r) => r.pass).length), rows, tokens };
  if (i.hasAdapter) result.base = rate(rows.filter((r) => r.basePass).length);
  return result;
}
