// The "truncate" length policy for conversations: oldest middle turns go first, then the start of the last question;
// the system prompt, the last question's header and the whole answer (with its end-of-turn token) always stay.
import type { ChatMessage, Example } from './types';

/** How an over-long example was made to fit: shortened, or left out because even its last exchange is too long. */
export type LengthFit = { kind: 'truncated'; removedTurns: number; cutChars: number } | { kind: 'dropped'; reason: string };

type Tokenized = { seqs: { ids: ArrayLike<number> }[] };

/** The parts of a conversation the policy may shorten; the rest is kept as written. */
interface Shape {
  /** Leading system/developer messages: always kept. */
  head: ChatMessage[];
  /** Earlier exchanges, each starting at a user message (the first may not): removed oldest first, whole. */
  groups: ChatMessage[][];
  /** The last user message: its content may be cut from the start, its header (role marker) stays. */
  question: ChatMessage;
  /** Everything after the last question (the answer, tool turns): never cut. */
  rest: ChatMessage[];
}

function shapeOf(messages: ChatMessage[]): Shape | null {
  const q = messages.map((m) => m.role).lastIndexOf('user');
  if (q < 0) return null;
  let h = 0;
  while (h < q && (messages[h].role === 'system' || messages[h].role === 'developer')) h++;
  const groups: ChatMessage[][] = [];
  for (const m of messages.slice(h, q)) {
    if (m.role === 'user' || groups.length === 0) groups.push([m]);
    else groups[groups.length - 1].push(m);
  }
  return { head: messages.slice(0, h), groups, question: messages[q], rest: messages.slice(q + 1) };
}

/** Smallest n in [lo, hi] with ok(n), assuming ok is monotone; hi + 1 when none. */
function smallest(lo: number, hi: number, ok: (n: number) => boolean): number {
  let a = lo;
  let b = hi + 1;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (ok(mid)) b = mid;
    else a = mid + 1;
  }
  return a;
}

/** `s` without its first `n` UTF-16 units, never splitting a surrogate pair. */
function cutStart(s: string, n: number): string {
  if (n > 0 && n < s.length && s.charCodeAt(n) >= 0xdc00 && s.charCodeAt(n) <= 0xdfff) n++;
  return s.slice(n);
}

/**
 * Fits an example into maxLen tokens by shortening its prompt: removes whole earlier exchanges (oldest first), then,
 * if still too long, cuts the start of the last user message (the part furthest from the answer). Every candidate is
 * rendered and tokenized again, so the template's own markers and the loss mask stay exact. When the system prompt,
 * the last question's header and the answer alone do not fit, the row is dropped with a reason: cutting the answer
 * would teach the model to stop mid-sentence, or never to stop.
 */
export function fitTurns<T extends Tokenized>(ex: Example, first: T, tokenize: (ex: Example) => T, maxLen: number): { tok: T; fit?: LengthFit } {
  const longest = (t: Tokenized): number => Math.max(...t.seqs.map((s) => s.ids.length));
  if (longest(first) <= maxLen) return { tok: first };
  // chat and completion rows keep their answer inside `messages`; preference rows keep theirs apart (chosen/rejected).
  const shape = ex.kind === 'text' ? null : shapeOf(ex.messages);
  if (!shape) return { tok: first };
  const build = (removed: number, cut: number): Example => ({
    ...ex,
    messages: [...shape.head, ...shape.groups.slice(removed).flat(), { ...shape.question, content: cutStart(shape.question.content, cut) }, ...shape.rest],
  });
  const tried = new Map<string, T | null>();
  const attempt = (removed: number, cut: number): T | null => {
    const key = `${removed}:${cut}`;
    if (!tried.has(key)) {
      let t: T | null;
      try {
        t = tokenize(build(removed, cut));
      } catch {
        t = null; // A shortened conversation the template refuses counts as not fitting.
      }
      tried.set(key, t);
    }
    return tried.get(key)!;
  };
  const fits = (t: T | null): t is T => t !== null && longest(t) <= maxLen;
  const G = shape.groups.length;
  const removed = smallest(1, G, (g) => fits(attempt(g, 0)));
  if (removed <= G) return { tok: attempt(removed, 0)!, fit: { kind: 'truncated', removedTurns: shape.groups.slice(0, removed).flat().length, cutChars: 0 } };
  const len = shape.question.content.length;
  const cut = smallest(1, len, (c) => fits(attempt(G, c)));
  const removedTurns = shape.groups.flat().length;
  if (cut <= len) return { tok: attempt(G, cut)!, fit: { kind: 'truncated', removedTurns, cutChars: cut } };
  const bare = attempt(G, len);
  const need = bare ? `${longest(bare)} tokens` : 'more tokens than allowed';
  return {
    tok: first,
    fit: {
      kind: 'dropped',
      reason: `${longest(first)} tokens, over the limit of ${maxLen}; even with ${removedTurns ? `its ${removedTurns} earlier turns removed and ` : ''}the last question emptied, the system prompt and the answer need ${need}. The row is left out rather than cutting the answer before its end-of-turn token.`,
    },
  };
}
