// Fast encoding for byte-level BPE tokenizers (Llama 3, Qwen, GPT-2 style): the library's own pieces, with a per-word id cache.
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

/**
 * Encodes text without special tokens, with the same ids as `tokenizer.encode(text, { add_special_tokens: false })`.
 * Built by `createFastEncoder` only for the tokenizer shapes it reproduces exactly; otherwise the caller keeps the library.
 */
export class FastByteLevelEncoder {
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
    /** The splitting pre-tokenizers before the byte-level step (null: none). */
    private readonly split: PreTokenizerFn | null,
    /** The byte-level step's own options: add a prefix space, then split with its GPT-2 pattern. */
    private readonly byteLevel: { addPrefixSpace: boolean; pattern: RegExp | null },
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

  /** One output of the splitting pre-tokenizers: the byte-level step may split it again (its own regex) before mapping. */
  private encodeSplitPiece(piece: string, out: number[]): void {
    const { addPrefixSpace, pattern } = this.byteLevel;
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

  /** The library's BPE model on the byte-level form of one word, with the library's string-to-id order. */
  private bpe(word: string): number[] {
    const model = this.tok.model!;
    const tokens = model([this.toByteLevel(word)]);
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
 * A fast encoder for `tok` when its tokenizer.json is byte-level BPE in a shape reproduced exactly: a BPE model, a
 * pre-tokenizer that is ByteLevel alone or a Sequence whose only ByteLevel step is the last one, and no config flags
 * that rewrite the text before splitting (remove_space, do_lowercase_and_remove_accent). Otherwise null.
 */
export function createFastEncoder(tok: Tokenizer, tokenizerJson: Json, tokenizerConfig: Json, opts: { cacheCapacity?: number } = {}): FastByteLevelEncoder | null {
  const model = tokenizerJson.model as Json | undefined;
  if (!model || model.type !== 'BPE' || (model.dropout != null && model.dropout !== 0)) return null;
  if (tokenizerConfig.remove_space === true || tokenizerConfig.do_lowercase_and_remove_accent === true) return null;
  if (!postProcessorIsIdentity(tokenizerJson.post_processor)) return null;
  if (!tok.model || typeof tok.model.tokens_to_ids?.get !== 'function') return null;
  const pre = tokenizerJson.pre_tokenizer as Json | null | undefined;
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
  return new FastByteLevelEncoder(tok, split, { addPrefixSpace: bl.add_prefix_space, pattern: bl.use_regex ? bl.pattern : null }, opts.cacheCapacity);
}
