// Renders an example to the exact training string (model chat template or a built-in one) and marks the characters to train on.
import { LatheError } from '../api/errors';
import { ChatTemplate } from '../models/chat-template';
import type { LatheTokenizer } from '../models/tokenizer';
import type { TemplateName } from '../api/template-names';
import { isNamedTemplate, NAMED_TEMPLATES } from './named-templates';
import type { ChatMessage, Example } from './types';

export { TEMPLATE_NAMES, type TemplateName } from '../api/template-names';

/**
 * assistant (default): assistant turns only; all: every token; last: the final assistant turn only; turns-marked: only
 * messages whose `train` is true (any role). In every mode but 'all', a message's own `train` overrides the mode.
 */
export type MaskMode = 'assistant' | 'all' | 'last' | 'turns-marked';
export const MASK_MODES: MaskMode[] = ['assistant', 'all', 'last', 'turns-marked'];

/** A rendered sequence: `spans` are [start, end) character ranges of `text` that are trained. */
export interface Rendered {
  text: string;
  spans: [number, number][];
  /** False when the whole text is trained ('all', raw text): the mask is then all ones without searching. */
  masked: boolean;
  /** Turns left untrained because they cannot be found in the render (`messages[i]: reason`); the row is kept. */
  notes?: string[];
}

export interface RenderSetup {
  tokenizer: LatheTokenizer;
  template: TemplateName;
  mask: MaskMode;
  /** Jinja source that replaces the tokenizer's template (e.g. a model whose tokenizer_config lacks one). */
  templateOverride?: string;
  /** Extra template variables (e.g. { enable_thinking: false } for Qwen3). */
  extra?: Record<string, unknown>;
  /** False: a `<think>…</think>` block at the start of a trained turn stays in the text but is not trained. Default true. */
  trainReasoning?: boolean;
  /** False: a trained turn's end-of-turn token(s) are not trained (the model is not taught to stop). Default true. */
  trainOnEos?: boolean;
  /** With lengthPolicy 'truncate': conversations longer than this many tokens are shortened turn by turn (./fit-turns.ts). */
  maxLen?: number | null;
  lengthPolicy?: 'truncate' | 'drop' | 'split';
}

/** A trained span and the message it belongs to. */
type TurnSpan = { i: number; span: [number, number] };

const ALPACA_PREAMBLE = 'Below is an instruction that describes a task. Write a response that appropriately completes the request.';

export class Renderer {
  private readonly tok: LatheTokenizer;
  private readonly bos: string;
  private readonly eos: string;
  /** Strings that end an assistant turn: the model's stop tokens, plus what a built-in template uses. */
  private readonly endMarkers: string[];
  private readonly custom: ChatTemplate | null;
  private readonly specials: Record<string, unknown>;
  /** ChatML on a vocabulary without <|im_end|>: an EOS follows it so the model learns a real stop token. */
  private readonly chatmlEos: boolean;
  /** Rendered by Jinja (the model's template, a template file or a named built-in), not by builtin(). */
  private readonly jinja: boolean;
  /** Whether the model's template handles role "developer" itself (else it is rendered as "system"). */
  private readonly knowsDeveloper: boolean;
  /** Variables of the row being rendered (its `tools` column), on top of setup.extra. */
  private rowVars: Record<string, unknown> | undefined;

  constructor(readonly setup: RenderSetup) {
    const tok = setup.tokenizer;
    this.tok = tok;
    this.eos = tok.eosId != null ? tok.idToToken(tok.eosId) ?? '' : '';
    this.bos = tok.bosId != null && tok.addBosToken ? tok.idToToken(tok.bosId) ?? '' : '';
    // A template file gets every special token of tokenizer_config (pad, unk, …), as transformers passes them.
    this.specials = { ...(tok.specialTokenVars ?? {}) };
    if (this.specials.bos_token == null && tok.bosId != null) this.specials.bos_token = tok.idToToken(tok.bosId);
    if (this.specials.eos_token == null && this.eos) this.specials.eos_token = this.eos;
    const named = isNamedTemplate(setup.template) ? NAMED_TEMPLATES[setup.template] : null;
    // A named template renders like the model's own (Jinja, found turns); an explicit template file still wins.
    this.custom = setup.templateOverride
      ? new ChatTemplate(setup.templateOverride, 'the template override')
      : named ? new ChatTemplate(named.source, `the built-in ${setup.template} template`) : null;
    this.jinja = setup.template === 'model' || named !== null;
    if (setup.template === 'model' && !this.custom && tok.chatTemplate == null) {
      throw new LatheError(
        'data_no_chat_template',
        `${tok.dir}: this tokenizer has no chat template, so the dataset cannot be rendered with "the model's template".`,
        'This looks like a base model: choose the built-in ChatML or Alpaca template.',
      );
    }
    this.chatmlEos = tok.tokenToId('<|im_end|>') === undefined && this.eos !== '';
    const source = this.jinja ? (setup.templateOverride ?? named?.source ?? tok.chatTemplate ?? '') : '';
    this.knowsDeveloper = /['"]developer['"]/.test(source);
    const markers = [...tok.stopIds.map((id) => tok.idToToken(id)).filter((s): s is string => !!s), ...(named?.end ?? [])];
    this.endMarkers = [...new Set(markers)].sort((a, b) => b.length - a.length);
  }

  render(ex: Example): Rendered[] {
    if (ex.kind === 'text') return [this.wholeText(ex.text ?? '')];
    if (ex.kind === 'completion') return [this.completion(ex.messages[0].content, ex.messages[1].content)];
    if (ex.kind === 'preference') {
      return [this.chat([...ex.messages, ...(ex.chosen ?? [])]), this.chat([...ex.messages, ...(ex.rejected ?? [])])];
    }
    return [this.chat(ex.messages, ex.tools)];
  }

  /** Raw text for continued pre-training: BOS (when the model uses one), the text, EOS as the document separator; all trained. */
  wholeText(text: string): Rendered {
    return { text: this.bos + text + this.eos, spans: [], masked: false };
  }

  private completion(prompt: string, completion: string): Rendered {
    const text = this.bos + prompt + completion + this.eos;
    if (this.setup.mask === 'all') return { text, spans: [], masked: false };
    const start = this.bos.length + prompt.length;
    return { text, spans: [[start, text.length]], masked: true };
  }

  /** `tools`: the row's tool definitions, passed to the model's template as `tools` (built-ins have no tool syntax). */
  chat(messages: ChatMessage[], tools?: unknown[]): Rendered {
    // OpenAI's developer role is the system prompt for templates that do not name it themselves.
    if (!this.knowsDeveloper) messages = messages.map((m) => (m.role === 'developer' ? { ...m, role: 'system' } : m));
    const r: { text: string; turns: TurnSpan[]; missing?: { i: number; reason: string; error: LatheError }[] } = this.jinja ? this.modelTemplate(messages, tools) : this.builtin(messages);
    if (this.setup.mask === 'all') return { text: r.text, spans: [], masked: false };
    const lastAnswer = messages.map((m) => m.role).lastIndexOf('assistant');
    const trained = (i: number): boolean => {
      const m = messages[i];
      if (m.train !== undefined) return m.train;
      if (this.setup.mask === 'turns-marked') return false;
      return m.role === 'assistant' && (this.setup.mask !== 'last' || i === lastAnswer);
    };
    let spans = r.turns.filter((t) => trained(t.i)).map((t) => t.span);
    if (this.setup.trainReasoning === false) spans = spans.map((sp) => withoutReasoning(r.text, sp));
    if (this.setup.trainOnEos === false) spans = spans.map((sp) => this.withoutEnd(r.text, sp)).filter(([a, b]) => b > a);
    // A turn that should be trained but is not in the render: the row keeps its other turns, and says so.
    const missing = (r.missing ?? []).filter((x) => trained(x.i));
    if (missing.length && spans.length === 0) throw missing[0].error;
    return missing.length ? { text: r.text, spans, masked: true, notes: missing.map((x) => x.reason) } : { text: r.text, spans, masked: true };
  }

  /** Whether message i gets a span at all: assistant turns, and any turn marked `train: true`. */
  private candidate(m: ChatMessage): boolean {
    return m.role === 'assistant' || m.train === true;
  }

  /** A span without its trailing end-of-turn marker(s) and the whitespace before them. */
  private withoutEnd(text: string, [a, b]: [number, number]): [number, number] {
    const markers = [...this.endMarkers, '<|im_end|>'];
    for (let again = true; again;) {
      again = false;
      const mk = markers.find((x) => x && b - x.length >= a && text.startsWith(x, b - x.length));
      if (mk) { b -= mk.length; again = true; }
    }
    while (b > a && /\s/.test(text[b - 1])) b--;
    return [a, b];
  }

  private builtin(messages: ChatMessage[]): { text: string; turns: TurnSpan[] } {
    const calls = messages.findIndex((m) => m.tool_calls?.length);
    if (calls >= 0) {
      throw new LatheError(
        'data_template_no_tools',
        `messages[${calls}].tool_calls: the built-in ${this.setup.template} template has no syntax for tool calls, so they would be lost.`,
        'Render this dataset with the model\'s own chat template (it knows its tool-call format), or remove the tool calls.',
      );
    }
    // Reasoning kept in its own field is written back as a <think> block, the convention reasoning models use.
    messages = messages.map((m) => (m.reasoning_content ? { ...m, content: `<think>\n${m.reasoning_content.trim()}\n</think>\n\n${m.content.replace(/^\n+/, '')}` } : m));
    const parts: string[] = [this.bos];
    const turns: TurnSpan[] = [];
    let at = this.bos.length;
    const push = (s: string, turn: number | null = null): void => {
      if (turn !== null) turns.push({ i: turn, span: [at, at + s.length] });
      parts.push(s);
      at += s.length;
    };
    if (this.setup.template === 'chatml') {
      messages.forEach((m, i) => {
        push(`<|im_start|>${m.role}\n`);
        if (m.role === 'assistant') push(m.content + '<|im_end|>' + (this.chatmlEos ? this.eos : ''), i);
        else push(m.content + '<|im_end|>', this.candidate(m) ? i : null);
        push('\n');
      });
    } else {
      // Alpaca: the Stanford prompt; a system message replaces the preamble; each answer ends with EOS.
      const sys = messages[0]?.role === 'system' ? messages[0].content : ALPACA_PREAMBLE;
      push(sys + '\n\n', messages[0]?.role === 'system' && this.candidate(messages[0]) ? 0 : null);
      messages.forEach((m, i) => {
        const mark = this.candidate(m) ? i : null;
        if (m.role === 'user') { push('### Instruction:\n'); push(m.content, mark); push('\n\n### Response:\n'); }
        else if (m.role === 'assistant') { push(m.content + this.eos, i); push('\n\n'); }
        else if (m.role === 'tool') { push('### Input:\n'); push(m.content, mark); push('\n\n'); }
      });
    }
    return { text: parts.join(''), turns };
  }

  /**
   * Renders with the model's Jinja template, then finds each assistant turn in the output: its content (as written,
   * or trimmed, since templates often strip) followed by optional whitespace and an end-of-turn marker. The span
   * runs from the content through the marker, so the model learns to stop. Content is searched in message order,
   * each search starting after the previous match, so a reply that repeats the question is still found in place.
   * A turn the template rewrites is found as it appears in the final render: without its `<think>` reasoning when the
   * template drops earlier turns' reasoning (Qwen3), or, as TRL does, by diffing prefix renders (tool calls, empty
   * content) and locating the turn's rendered text after its generation header.
   */
  private modelTemplate(messages: ChatMessage[], tools?: unknown[]): { text: string; turns: TurnSpan[]; missing: { i: number; reason: string; error: LatheError }[] } {
    this.rowVars = tools ? { tools } : undefined;
    const text = this.renderModel(messages, false);
    const turns: TurnSpan[] = [];
    const missing: { i: number; reason: string; error: LatheError }[] = [];
    let cursor = 0;
    messages.forEach((m, i) => {
      if (!this.candidate(m)) {
        const at = m.content.trim() ? text.indexOf(m.content.trim(), cursor) : -1;
        if (at >= 0) cursor = at + m.content.trim().length;
        return;
      }
      let span = this.findTurn(text, m.content, cursor) ?? this.findByPrefixDiff(text, messages, i, cursor);
      // Reasoning from its own field, rendered just before the answer, belongs to the trained turn (trainReasoning decides).
      const think = span && m.reasoning_content?.trim() ? text.lastIndexOf('<think>', span[0]) : -1;
      if (span && think >= cursor && text.slice(think, span[0]).includes(m.reasoning_content!.trim())) span = [think, span[1]];
      if (!span) {
        const reason = `messages[${i}]: the ${m.role} turn cannot be found in the rendered template followed by an end-of-turn token (${this.endMarkers.join(', ') || 'none known'}), neither as written, without its <think> reasoning, nor by rendering the conversation up to it, so it is not trained.`;
        const hint = 'The chat template changes this text or does not close turns with a stop token; choose the built-in ChatML template, or the "all tokens" mask.';
        missing.push({ i, reason, error: new LatheError('data_mask_not_found', reason, hint) });
        return;
      }
      turns.push({ i, span });
      cursor = span[1];
    });
    return { text, turns, missing };
  }

  private renderModel(messages: ChatMessage[], addGenerationPrompt: boolean): string {
    const opts = { addGenerationPrompt, extra: this.rowVars ? { ...this.setup.extra, ...this.rowVars } : this.setup.extra };
    return this.custom ? this.custom.render(messages, this.specials, opts) : this.tok.renderChat(messages, opts);
  }

  /**
   * TRL's way: the turn's rendered text is render(prefix + turn) minus render(prefix); the generation header is
   * render(prefix, add_generation_prompt) minus render(prefix). The trained part runs from after the header through the
   * first end-of-turn marker, and is located in the full render (header included, so an empty reply is found in place).
   */
  private findByPrefixDiff(text: string, messages: ChatMessage[], i: number, from: number): [number, number] | null {
    let before: string;
    let withPrompt: string;
    let withTurn: string;
    try {
      before = i > 0 ? this.renderModel(messages.slice(0, i), false) : '';
      withPrompt = i > 0 ? this.renderModel(messages.slice(0, i), true) : '';
      withTurn = this.renderModel(messages.slice(0, i + 1), false);
    } catch {
      return null; // A prefix the template refuses (e.g. it must end with an assistant turn): no diff to take.
    }
    if (!withTurn.startsWith(before) || !withPrompt.startsWith(before)) return null;
    const header = withPrompt.slice(before.length);
    let turn = withTurn.slice(before.length);
    if (header && turn.startsWith(header)) turn = turn.slice(header.length);
    let end = -1;
    for (const mk of this.endMarkers) {
      const at = turn.indexOf(mk);
      if (at >= 0 && (end < 0 || at + mk.length < end)) end = at + mk.length;
    }
    if (end <= 0) return null;
    const full = turn.slice(0, end);
    // Rendered as the last turn it may carry a reasoning block the full render leaves out when later turns follow (Qwen3).
    const candidates = [full, full.replace(/^<think>[\s\S]*?<\/think>\s*/, '')];
    for (const trained of new Set(candidates)) {
      const at = trained ? text.indexOf(header + trained, from) : -1;
      if (at < 0) continue;
      const start = at + header.length;
      return [start, start + trained.length];
    }
    return null;
  }

  private findTurn(text: string, content: string, from: number): [number, number] | null {
    // Templates that drop earlier turns' reasoning (Qwen3) leave only what follows </think>.
    const answer = content.includes('</think>') ? content.slice(content.lastIndexOf('</think>') + '</think>'.length) : null;
    const forms = [content, content.trim(), content.trimEnd(), content.trimStart(), content.replace(/^\n+/, '')];
    if (answer !== null) forms.push(answer.trim(), answer.replace(/^\n+/, ''));
    const variants = [...new Set(forms)].filter((v) => v.length > 0);
    for (const v of variants) {
      for (let at = text.indexOf(v, from); at >= 0; at = text.indexOf(v, at + 1)) {
        let e = at + v.length;
        while (e < text.length && (text[e] === ' ' || text[e] === '\n' || text[e] === '\r' || text[e] === '\t')) e++;
        const marker = this.endMarkers.find((mk) => text.startsWith(mk, e));
        if (marker) return [at, e + marker.length];
      }
    }
    return null;
  }
}

/** A trained span minus a leading `<think>…</think>` block and the whitespace after it (the answer stays trained). */
export function withoutReasoning(text: string, [start, end]: [number, number]): [number, number] {
  const m = /^\s*<think>[\s\S]*?<\/think>\s*/.exec(text.slice(start, end));
  return m && start + m[0].length < end ? [start + m[0].length, end] : [start, end];
}
