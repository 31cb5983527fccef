// Turns normalised examples into token ids with per-token loss masks (1 = learn to predict this token).
import type { LatheTokenizer } from '../models/tokenizer';
import { fitTurns, type LengthFit } from './fit-turns';
import { alignTokens, charSpansToBytes, PieceBytes } from './offsets';
import { Renderer, type Rendered, type RenderSetup } from './render';
import type { Example } from './types';

/**
 * One token sequence. mask[i] = 1 means ids[i] is a training target (predicted from ids[0..i-1]); mask[0] is
 * never used as a target by the trainer since nothing precedes it.
 */
export interface TokenSeq {
  ids: Uint32Array;
  mask: Uint8Array;
}

/** An example after tokenization: one sequence, or two (chosen, rejected) for preference data. */
export interface TokenizedExample {
  line: number;
  file?: string;
  seqs: TokenSeq[];
  /** Turns kept in the text but not trained because the template does not show them as written (see Rendered.notes). */
  notes?: string[];
  /** Set when the truncate policy shortened the conversation, or left it out because its last exchange alone is too long. */
  lengthFit?: LengthFit;
}

export class ExampleTokenizer {
  readonly renderer: Renderer;
  private readonly tok: LatheTokenizer;
  private readonly pieces: PieceBytes;
  /** Sequences whose tokens could not be aligned to the text, masked by prefix tokenization instead (counted, not hidden). */
  alignFallbacks = 0;

  constructor(private readonly setup: RenderSetup) {
    this.tok = setup.tokenizer;
    this.renderer = new Renderer(setup);
    this.pieces = new PieceBytes(setup.tokenizer);
  }

  /** Renders, tokenizes and masks one example; under the truncate policy an over-long conversation is shortened by turns. */
  tokenize(ex: Example): TokenizedExample {
    const t = this.tokenizeAsWritten(ex);
    const maxLen = this.setup.maxLen;
    if (!maxLen || this.setup.lengthPolicy !== 'truncate') return t;
    const { tok, fit } = fitTurns(ex, t, (e) => this.tokenizeAsWritten(e), maxLen);
    return fit ? { ...tok, lengthFit: fit } : tok;
  }

  private tokenizeAsWritten(ex: Example): TokenizedExample {
    const out: TokenizedExample = { line: ex.line, seqs: [] };
    if (ex.file) out.file = ex.file;
    if (ex.kind === 'text') {
      out.seqs.push(this.rawText(ex.text ?? ''));
      return out;
    }
    for (const r of this.renderer.render(ex)) {
      out.seqs.push(this.seq(r));
      if (r.notes) (out.notes ??= []).push(...r.notes);
    }
    return out;
  }

  /** Raw text: BOS (if the model adds one), the text's tokens, EOS as the document separator; all trained. */
  private rawText(text: string): TokenSeq {
    const body = this.tok.encode(text, { addSpecialTokens: false });
    const pre = this.tok.addBosToken && this.tok.bosId != null ? [this.tok.bosId] : [];
    const post = this.tok.eosId != null ? [this.tok.eosId] : [];
    const ids = new Uint32Array(pre.length + body.length + post.length);
    ids.set(pre, 0);
    ids.set(body, pre.length);
    ids.set(post, pre.length + body.length);
    return { ids, mask: new Uint8Array(ids.length).fill(1) };
  }

  seq(r: Rendered): TokenSeq {
    // The template (or built-in) already wrote BOS into the text, as transformers expects: no special tokens added here.
    // new Uint32Array(array) copies a plain array directly; Uint32Array.from goes through the iterator protocol.
    const ids = new Uint32Array(this.tok.encode(r.text, { addSpecialTokens: false }));
    const mask = new Uint8Array(ids.length);
    if (!r.masked) {
      mask.fill(1);
      return { ids, mask };
    }
    const bytes = Buffer.from(r.text, 'utf8');
    const aligned = alignTokens(this.pieces, ids, bytes);
    if (aligned) {
      const spans = charSpansToBytes(r.text, r.spans);
      let k = 0;
      // Spans are in order, so one pass over the tokens suffices; a token is trained if any of its bytes is in a span.
      for (let i = 0; i < ids.length && k < spans.length; i++) {
        const s = aligned.starts[i];
        const e = aligned.ends[i];
        while (k < spans.length && spans[k][1] <= s && !(e === s && spans[k][1] > s)) k++;
        if (k >= spans.length) break;
        const [a, b] = spans[k];
        if (e > s ? s < b && e > a : s >= a && s < b) mask[i] = 1;
      }
      return { ids, mask };
    }
    // Fallback: the token count of each span edge's prefix marks the boundary.
    this.alignFallbacks++;
    for (const [a, b] of r.spans) {
      const from = this.tok.encode(r.text.slice(0, a), { addSpecialTokens: false }).length;
      const to = this.tok.encode(r.text.slice(0, b), { addSpecialTokens: false }).length;
      for (let i = Math.min(from, ids.length); i < Math.min(to, ids.length); i++) mask[i] = 1;
    }
    return { ids, mask };
  }
}
