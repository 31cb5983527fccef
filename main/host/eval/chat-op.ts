// Chat generation in the engine host for the Evaluate page: one prompt answered by several sides (base = adapter off,
// or adapter folders such as two checkpoints), streamed token by token. The last loaded base model stays in memory
// between requests (model-cache.ts), so a conversation does not reload it.
import type { OpContext } from '../ops';
import { LatheError } from '../../api/errors';
import { loadTokenizer, type LatheTokenizer } from '../../models/tokenizer';
import { promptIds } from './task-eval';
import { withModel } from './model-cache';
import type { ChatAnswer, ChatArgs, ChatSettings } from '../../api/eval-types';
export type { ChatAnswer, ChatArgs, ChatSettings };

const MAX_CONTEXT = 4096;
/** Loading a 128K-token vocabulary takes about a second: a conversation keeps its tokenizer. */
let tokenizer: { dir: string; tok: LatheTokenizer } | null = null;

async function tokenizerFor(dir: string): Promise<LatheTokenizer> {
  if (tokenizer?.dir !== dir) tokenizer = { dir, tok: await loadTokenizer(dir) };
  return tokenizer.tok;
}

export async function chatOp(a: ChatArgs, ctx: OpContext<'eval.chat'>): Promise<{ answers: ChatAnswer[] }> {
  if (!a.sides.length) throw new LatheError('chat.noSides', 'Nothing to answer with.', 'Pick the base, the adapter, or two checkpoints.');
  const tok = await tokenizerFor(a.model);
  const messages = a.settings.system ? [{ role: 'system', content: a.settings.system }, ...a.messages] : a.messages;
  const ids = promptIds(tok, messages);
  if (ids.length + a.settings.maxNewTokens > MAX_CONTEXT) throw new LatheError('chat.tooLong', `The conversation is ${ids.length} tokens; with ${a.settings.maxNewTokens} new tokens it exceeds ${MAX_CONTEXT}.`, 'Start a new conversation or lower max tokens.');
  const answers: ChatAnswer[] = [];
  await withModel({ model: a.model, quant: a.quant ?? 'none', threads: a.threads, maxSeqLen: MAX_CONTEXT, signal: ctx.signal }, async ({ model, useAdapter }) => {
    for (const [i, side] of a.sides.entries()) {
      if (side !== null) await useAdapter(side);
      const seed = a.settings.sameSeed ? a.settings.seed : a.settings.seed + i;
      const out: number[] = [];
      let sent = '';
      const decode = () => tok.decode(out.filter((t) => !tok.stopIds.includes(t)), { skipSpecialTokens: true });
      const res = await model.generate(ids, {
        maxNewTokens: a.settings.maxNewTokens, temperature: a.settings.temperature, topP: a.settings.topP, seed, stop: tok.stopIds, adapter: side !== null, signal: ctx.signal,
      }, (t) => {
        out.push(t);
        // Whole-text decode each time: multi-byte characters span tokens, so only complete text is sent.
        const text = decode();
        if (text.startsWith(sent) && !text.endsWith('\uFFFD') && text.length > sent.length) {
          ctx.emit('token', { index: i, delta: text.slice(sent.length) });
          sent = text;
        }
      });
      answers.push({ side, text: decode(), tokens: res.tokens.length, finishReason: res.finishReason, seed });
    }
  });
  return { answers };
}
