// Fast encoding for BPE tokenizers: the library's own pieces, with a per-word id cache. Two shapes are reproduced:
// byte-level BPE (Llama 3, Qwen, GPT-2 style) and SentencePiece-style BPE over "▁"-marked text (Llama 2, Mistral,
// Gemma), see `chunkAtWordStarts`.
//
// @huggingface/tokenizers spends most of its time turning every pre-token into byte-level characters (a TextEncoder call
// and an Array.from per word) and then mapping BPE output strings back to ids. Every pre-token is encoded independently
// of its neighbours, so the ids of a pre-token depend on its text alone: we cache them per word and, on a miss, build the
// byte-level string from a 256-entry table and hand it to the library's BPE model. Everything else (added-token
// splitting with lstrip/rstrip, the normalizer, the splitting pre-tokenizers, the BPE merges and vocabulary, the
// id lookup order) follows the library step for step, so the ids are the library's ids; tests compare the two on a
// large varied corpus for every tokenizer we ship.
import { ByteLevelPreTokenizer, SequencePreTokenizer, SplitPreTokenizer, type AddedToken, type Tokenizer } from '@huggingface/tokenizers';

type Json = Record<string, unknown>;
type PreTokenizerFn = (text: string, options?: unknown) => string[];

/** Pre-tokens longer than this are encoded without caching (rare: long runs of spaces or symbols). */
const MAX_CACHED_CHARS = 64;
/** Cache entries before the cache is emptied and refilled, so memory stays bounded on any corpus (~15 MB at most). */
const CACHE_CAPACITY = 100_000;

const POST_PROCESSORS_IDENTITY_WITHOUT_SPECIALS = new Set(['TemplateProcessing', 'ByteLevel', 'BertProcessing', 'RobertaProcessing']);

/** True when the post-processor leaves a single sequence unchanged once special tokens are not added (all the library's kinds). */
function postProcessorIsIdentity(pp: unknown): boolean {
  if (pp == null) return true;
  const p = pp as Json;
  if (p.type === 'Sequence') return Array.isArray(p.processors) && p.processors.every(postProcessorIsIdentity);
  return typeof p.type === 'string' && POST_PROCESSORS_IDENTITY_WITHOUT_SPECIALS.has(p.type);
}

function mentionsByteLevel(cfg: unknown): boolean {
  return JSON.stringify(cfg ?? null).includes('"ByteLevel"');
}

/** Splits on added tokens exactly as the library's DictionarySplitter does: at each position the longest match, left to right. */
class AddedTokenSplitter {
  private readonly trie: TrieNode = new Map();
  /** First UTF-16 unit of some added token: positions starting with anything else are skipped without a trie lookup. */
  private readonly first = new Uint8Array(65536);

  constructor(contents: string[]) {
    for (const word of contents) {
      if (word.length === 0) continue;
      this.first[word.charCodeAt(0)] = 1;
      let node = this.trie;
      for (let i = 0; i < word.length; i++) {
        let next = node.get(word[i]);
        if (!next) {
          next = new Map();
          node.set(word[i], next);
        }
        node = next;
      }
      node.end = word;
    }
  }

  get empty(): boolean {
    return this.trie.size === 0;
  }

  split(text: string): string[] {
    const n = text.length;
    const first = this.first;
    let start = 0;
    let i = 0;
    let result: string[] | null = null;
    while (i < n) {
      if (first[text.charCodeAt(i)] === 0) {
        i++;
        continue;
      }
      let node: TrieNode | undefined = this.trie;
      let match: string | null = null;
      let j = i;
      while (j < n && (node = node.get(text[j]))) {
        if (node.end) match = node.end;
        j++;
      }
      if (match) {
        result ??= [];
        if (i > start) result.push(text.slice(start, i));
        result.push(match);
        i += match.length;
        start = i;
      } else {
        i++;
      }
    }
    if (!result) return n > 0 ? [text] : [];
    if (start < n) result.push(text.slice(start));
    return result;
  }
}

type TrieNode = Map<string, TrieNode> & { end?: string };

/** The library's regex_split (pieces between matches, and the non-empty matches), without an iterator per call. */
function regexSplit(text: string, re: RegExp): string[] {
  const out: string[] = [];
  let prev = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const at = m.index;
    const len = m[0].length;
    if (prev < at) out.push(text.slice(prev, at));
    if (len > 0) out.push(m[0]);
    prev = at + len;
    // An empty match must not stall: step one code point, as matchAll does for a /u pattern.
    if (len === 0) re.lastIndex = at + (re.unicode && isSurrogatePairAt(text, at) ? 2 : 1);
  }
  if (prev < text.length) out.push(text.slice(prev));
  return out;
}

function isSurrogatePairAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) return false;
  const d = s.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff;
}

/** The word-start marker of SentencePiece-style vocabularies (U+2581), which the normalizer writes for spaces. */
const MARK = '\u2581';

/**
 * SentencePiece-style BPE runs over a whole section (no pre-tokenizer splits it into words), which is slow on long
 * texts and leaves nothing to cache. But BPE only ever builds the strings its merges make, so
 * where no merge result spans a point of the text, no merge crosses it, and BPE on the two sides alone gives the
 * same tokens as BPE on the whole (ranks order the merges; the library breaks ties by position, which each side
 * keeps). The points used are the starts of words: a "▁" that follows a character other than "▁". The few merge results
 * that do span one (`crossTokens`, e.g. Gemma's ">▁</") keep the points inside each of their occurrences.
 */
export function chunkAtWordStarts(text: string, crossTokens: readonly string[]): string[] {
  let keep: Uint8Array | null = null;
  for (const t of crossTokens) {
    for (let at = text.indexOf(t); at >= 0; at = text.indexOf(t, at + 1)) {
      keep ??= new Uint8Array(text.length + 1);
      for (let i = at + 1; i < at + t.length; i++) keep[i] = 1;
    }
  }
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i < text.length; i++) {
    if (text[i] === MARK && text[i - 1] !== MARK && !(keep && keep[i])) {
      out.push(text.slice(start, i));
      start = i;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** How a splitter piece becomes the words the BPE model is run on (and cached by). */
type WordMode =
  /** Byte-level: maybe a prefix space and the GPT-2 regex, then each word's UTF-8 bytes through the byte table. */
  | { kind: 'byteLevel'; addPrefixSpace: boolean; pattern: RegExp | null }
  /** SentencePiece-style: the piece cut at word starts, each word given to BPE as it is. */
  | { kind: 'wordStarts'; crossTokens: string[] };

/**
 * Encodes text without special tokens, with the same ids as `tokenizer.encode(text, { add_special_tokens: false })`.
 * Built by `createFastEncoder` only for the tokenizer shapes it reproduces exactly; otherwise the caller keeps the library.
 */
export class FastEncoder {
  private readonly cache = new Map<string, number | number[]>();
  private readonly capacity: number;
  /** The library maps every output string through its added tokens first, then the vocabulary, then unk. */
  private readonly added: Map<string, AddedToken>;
  private readonly unnormalized: AddedTokenSplitter;
  private readonly normalizedSplitter: AddedTokenSplitter;
  /** byte -> the printable character byte-level vocabularies write it as (the library's own table). */
  private readonly byteChars: string[];
  hits = 0;
  misses = 0;

  constructor(
    private readonly tok: Tokenizer,
    /** The splitting pre-tokenizers (before the byte-level step, if any; null: none). */
    private readonly split: PreTokenizerFn | null,
    private readonly mode: WordMode,
    capacity = CACHE_CAPACITY,
  ) {
    this.capacity = capacity;
    const bl = new ByteLevelPreTokenizer({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false } as never);
    this.byteChars = Array.from({ length: 256 }, (_, b) => bl.byte_encoder[b]);
    this.added = new Map();
    const unnormalized: string[] = [];
    const normalized: string[] = [];
    // Same order and keys as the library's constructor: content, and the normalized content of normalized tokens.
    for (const t of tok.get_added_tokens_decoder().values()) {
      this.added.set(t.content, t);
      if (t.normalized && tok.normalizer !== null) {
        const n = tok.normalizer(t.content);
        normalized.push(n);
        this.added.set(n, t);
      } else {
        unnormalized.push(t.content);
      }
    }
    this.unnormalized = new AddedTokenSplitter(unnormalized);
    this.normalizedSplitter = new AddedTokenSplitter(normalized);
  }

  /** lstrip/rstrip of added tokens trim the neighbouring sections (the library's rule, applied in place). */
  private stripAround(sections: string[]): void {
    for (let i = 0; i < sections.length; i++) {
      const t = this.added.get(sections[i]);
      if (!t) continue;
      if (t.lstrip && i > 0) sections[i - 1] = sections[i - 1].trimEnd();
      if (t.rstrip && i < sections.length - 1) sections[i + 1] = sections[i + 1].trimStart();
    }
  }

  encode(text: string): number[] {
    const out: number[] = [];
    const sections = this.unnormalized.split(text);
    this.stripAround(sections);
    for (let si = 0; si < sections.length; si++) {
      let s = sections[si];
      if (s.length === 0) continue;
      const a = this.added.get(s);
      if (a) {
        out.push(a.id);
        continue;
      }
      if (this.tok.normalizer !== null) s = this.tok.normalizer(s);
      if (s.length === 0) continue;
      const subs = this.normalizedSplitter.empty ? [s] : this.normalizedSplitter.split(s);
      if (subs.length > 1) this.stripAround(subs);
      for (const sub of subs) {
        if (sub.length === 0) continue;
        const b = this.added.get(sub);
        if (b) {
          out.push(b.id);
          continue;
        }
        const pieces = this.split ? this.split(sub, { section_index: si }) : [sub];
        for (const p of pieces) this.encodeSplitPiece(p, out);
      }
    }
    return out;
  }

  /** One output of the splitting pre-tokenizers, cut into the words BPE runs on. */
  private encodeSplitPiece(piece: string, out: number[]): void {
    const mode = this.mode;
    if (mode.kind === 'wordStarts') {
      for (const w of chunkAtWordStarts(piece, mode.crossTokens)) this.encodeWord(w, out);
      return;
    }
    // The byte-level step may split the piece again (its own regex) before mapping.
    const { addPrefixSpace, pattern } = mode;
    if (addPrefixSpace && !piece.startsWith(' ')) piece = ' ' + piece;
    if (!pattern) {
      this.encodeWord(piece, out);
      return;
    }
    for (const w of piece.match(pattern) ?? []) this.encodeWord(w, out);
  }

  private encodeWord(word: string, out: number[]): void {
    const hit = this.cache.get(word);
    if (hit !== undefined) {
      this.hits++;
      if (typeof hit === 'number') out.push(hit);
      else for (let i = 0; i < hit.length; i++) out.push(hit[i]);
      return;
    }
    this.misses++;
    const ids = this.bpe(word);
    if (word.length <= MAX_CACHED_CHARS) {
      if (this.cache.size >= this.capacity) this.cache.clear();
      this.cache.set(word, ids.length === 1 ? ids[0] : ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
  }

  /** The library's BPE model on one word (its byte-level form, for byte-level BPE), with the library's string-to-id order. */
  private bpe(word: string): number[] {
    const model = this.tok.model!;
    const tokens = model([this.mode.kind === 'byteLevel' ? this.toByteLevel(word) : word]);
    return tokens.map((t) => this.added.get(t)?.id ?? model.tokens_to_ids.get(t) ?? model.unk_token_id!);
  }

  /** UTF-8 bytes of `word` through the byte table; a lone surrogate becomes U+FFFD, as TextEncoder writes it. */
  toByteLevel(word: string): string {
    const t = this.byteChars;
    let s = '';
    for (let i = 0; i < word.length; i++) {
      let c = word.charCodeAt(i);
      if (c < 0x80) {
        s += t[c];
      } else if (c < 0x800) {
        s += t[0xc0 | (c >> 6)] + t[0x80 | (c & 0x3f)];
      } else {
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < word.length) {
          const d = word.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            s += t[0xf0 | (cp >> 18)] + t[0x80 | ((cp >> 12) & 0x3f)] + t[0x80 | ((cp >> 6) & 0x3f)] + t[0x80 | (cp & 0x3f)];
            i++;
            continue;
          }
        }
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        s += t[0xe0 | (c >> 12)] + t[0x80 | ((c >> 6) & 0x3f)] + t[0x80 | (c & 0x3f)];
      }
    }
    return s;
  }
}

/**
 * A fast encoder for `tok` when its tokenizer.json is BPE in a shape reproduced exactly, otherwise null. Both shapes
 * need: no dropout, a post-processor that leaves one sequence unchanged without special tokens, and no config flags
 * that rewrite the text before splitting (remove_space, do_lowercase_and_remove_accent). Then either
 * - byte-level: a pre-tokenizer that is ByteLevel alone or a Sequence whose only ByteLevel step is the last one; or
 * - SentencePiece-style (`sentencePieceMode`): no ByteLevel anywhere, words marked with "▁".
 */
export function createFastEncoder(tok: Tokenizer, tokenizerJson: Json, tokenizerConfig: Json, opts: { cacheCapacity?: number } = {}): FastEncoder | null {
  const model = tokenizerJson.model as Json | undefined;
  if (!model || model.type !== 'BPE' || (model.dropout != null && model.dropout !== 0)) return null;
  if (tokenizerConfig.remove_space === true || tokenizerConfig.do_lowercase_and_remove_accent === true) return null;
  if (!postProcessorIsIdentity(tokenizerJson.post_processor)) return null;
  if (!tok.model || typeof tok.model.tokens_to_ids?.get !== 'function') return null;
  const pre = tokenizerJson.pre_tokenizer as Json | null | undefined;
  if (!mentionsByteLevel(pre)) {
    const mode = sentencePieceMode(model);
    if (!mode) return null;
    const seq = pre ? new SequencePreTokenizer({ type: 'Sequence', pretokenizers: [pre] } as never) : null;
    return new FastEncoder(tok, seq ? (text, options) => seq.pre_tokenize_text(text, options as never) : null, mode, opts.cacheCapacity);
  }
  if (!pre) return null;
  let byteLevelCfg: Json;
  let split: PreTokenizerFn | null = null;
  if (pre.type === 'ByteLevel') {
    byteLevelCfg = pre;
  } else if (pre.type === 'Sequence' && Array.isArray(pre.pretokenizers) && pre.pretokenizers.length > 0) {
    const steps = pre.pretokenizers as Json[];
    const last = steps[steps.length - 1];
    const rest = steps.slice(0, -1);
    if (last?.type !== 'ByteLevel' || mentionsByteLevel(rest)) return null;
    byteLevelCfg = last;
    if (rest.length === 1 && rest[0].type === 'Split' && rest[0].behavior === 'Isolated' && rest[0].invert !== true) {
      // The common case (Llama 3, Qwen): one regex split keeping every piece. Same regex object as the library's.
      const pattern = new SplitPreTokenizer(rest[0] as never).pattern;
      if (!pattern || !pattern.global) return null;
      split = (text) => regexSplit(text, pattern);
    } else if (rest.length > 0) {
      const seq = new SequencePreTokenizer({ type: 'Sequence', pretokenizers: rest } as never);
      split = (text, options) => seq.pre_tokenize_text(text, options as never);
    }
  } else {
    return null;
  }
  const bl = new ByteLevelPreTokenizer(byteLevelCfg as never);
  return new FastEncoder(tok, split, { kind: 'byteLevel', addPrefixSpace: bl.add_prefix_space, pattern: bl.use_regex ? bl.pattern : null }, opts.cacheCapacity);
}

/**
 * When cutting at word starts gives the library's tokens exactly: each word's first symbol "▁" is in the vocabulary;
 * nothing is added to a word's last symbol or its inner ones (end_of_word_suffix, continuing_subword_prefix/suffix);
 * ignore_merges is off (with it, a whole word found in the vocabulary skips BPE, and a cut word is not the same word);
 * and no unknown token can be fused with one across a cut (fuse_unk is off, or byte fallback covers all 256 bytes).
 */
function sentencePieceMode(model: Json): WordMode | null {
  const vocab = model.vocab as Record<string, number> | undefined;
  if (!vocab || typeof vocab !== 'object' || !(MARK in vocab)) return null;
  if (model.end_of_word_suffix || model.continuing_subword_prefix || model.continuing_subword_suffix || model.ignore_merges === true) return null;
  const allBytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`).every((t) => t in vocab);
  if (model.fuse_unk === true && !(model.byte_fallback === true && allBytes)) return null;
  // What BPE can build is what its merges make (the library does not check them against the vocabulary): every
  // merge result that spans a word start, and vocabulary entries that do, for good measure.
  const spans = (t: string) => /[^\u2581]\u2581/.test(t);
  const cross = new Set(Object.keys(vocab).filter(spans));
  for (const m of (model.merges as (string | [string, string])[] | undefined) ?? []) {
    const joined = Array.isArray(m) ? m[0] + m[1] : m.replace(' ', '');
    if (spans(joined)) cross.add(joined);
  }
  return { kind: 'wordStarts', crossTokens: [...cross] };
}
