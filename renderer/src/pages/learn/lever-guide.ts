// "Fine-tune, RAG or prompt?": reads a sample of the project's dataset rows and says which lever fits, with the
// numbers behind the call. Rule of thumb: facts -> retrieval (RAG), domain -> mid-training then SFT,
// behaviour/format -> SFT, checkable reasoning -> RL (GRPO), preferences -> alignment (DPO family).

export type Lever = 'rag' | 'midtrain' | 'sft' | 'rl' | 'align' | 'none';

export interface GuideRow {
  kind?: string;
  messages?: { role: string; content: string }[];
  text?: string;
  answer?: string;
  chosen?: unknown;
}

export interface LeverAdvice {
  lever: Lever;
  title: string;
  why: string[];
  stats: { rows: number; avgAnswerWords: number; shortAnswerShare: number; structuredShare: number; avgDocWords: number };
}

const words = (s: string) => (s.trim() ? s.trim().split(/\s+/).length : 0);
const lastAssistant = (r: GuideRow) => [...(r.messages ?? [])].reverse().find((m) => m.role === 'assistant')?.content ?? '';
/** An answer with visible structure: JSON, a list, a table, code, or several paragraphs. */
const structured = (s: string) => /^\s*[[{]/.test(s) || /\n\s*([-*•]|\d+\.)\s/.test(s) || /\|.*\|/.test(s) || /```/.test(s) || /\n\s*\n/.test(s);
const pct = (x: number) => `${Math.round(x * 100)}%`;

export function adviseLever(rows: GuideRow[]): LeverAdvice {
  const n = rows.length;
  const empty = { rows: 0, avgAnswerWords: 0, shortAnswerShare: 0, structuredShare: 0, avgDocWords: 0 };
  if (!n) return { lever: 'none', title: 'No data yet', why: ['Import a dataset on the Data step; the guide reads its rows.'], stats: empty };
  const kinds = rows.map((r) => r.kind ?? 'chat');
  const docs = rows.filter((r) => r.kind === 'text').map((r) => words(r.text ?? ''));
  const answers = rows.filter((r) => r.kind !== 'text' && r.kind !== 'preference').map(lastAssistant).filter((a) => a.length > 0);
  const aw = answers.map(words);
  const avgAnswerWords = aw.length ? aw.reduce((a, b) => a + b, 0) / aw.length : 0;
  const shortAnswerShare = aw.length ? aw.filter((w) => w <= 12).length / aw.length : 0;
  const structuredShare = answers.length ? answers.filter(structured).length / answers.length : 0;
  const avgDocWords = docs.length ? docs.reduce((a, b) => a + b, 0) / docs.length : 0;
  const stats = { rows: n, avgAnswerWords, shortAnswerShare, structuredShare, avgDocWords };

  if (kinds.filter((k) => k === 'preference').length > n / 2) {
    return { lever: 'align', title: 'Alignment (DPO, IPO, ORPO, SimPO, KTO)', stats, why: ['Most rows are chosen/rejected pairs: they say which answer is better, not what to write.', 'Train an SFT adapter first if the model cannot yet produce either answer well, then align with DPO.'] };
  }
  if (rows.filter((r) => typeof r.answer === 'string' && r.answer.length > 0).length > n / 2) {
    return { lever: 'rl', title: 'Reinforcement learning (GRPO)', stats, why: ['Most rows are prompts with a reference answer a program can check.', 'GRPO lets the model try several answers and rewards the ones that check out: it improves reasoning the data does not spell out.'] };
  }
  if (docs.length > n / 2) {
    return { lever: 'midtrain', title: 'Mid-training (continued pre-training), then SFT', stats, why: [`Most rows are plain documents (about ${Math.round(avgDocWords)} words each) with no question and answer.`, 'Next-token training on them teaches the domain\'s words and style; a small SFT set afterwards teaches the model to answer in it.', 'If you only need the model to quote these documents, retrieval (RAG) is cheaper and stays up to date.'] };
  }
  if (shortAnswerShare >= 0.6 && structuredShare < 0.3) {
    return { lever: 'rag', title: 'Retrieval (RAG) for the facts, maybe SFT for the tone', stats, why: [`${pct(shortAnswerShare)} of the answers are 12 words or fewer, and only ${pct(structuredShare)} have a visible format: this looks like facts to recall.`, 'A small LoRA memorises facts poorly and cannot update them; putting the documents in the prompt at answer time (RAG) is more reliable.', 'Fine-tune only if the model must also answer in a particular way.'] };
  }
  return { lever: 'sft', title: 'Supervised fine-tuning (SFT)', stats, why: [`Answers average ${Math.round(avgAnswerWords)} words, and ${pct(structuredShare)} have a visible format (lists, JSON, code, paragraphs).`, 'Examples of how to answer are exactly what SFT learns from: tone, format, steps, when to refuse.', 'Try a good prompt with a few examples first; if it is not reliable enough, this data is ready for SFT.'] };
}
