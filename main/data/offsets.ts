// Maps tokens back to byte ranges of the text they came from, so character spans (what to train) become per-token masks.
import type { LatheTokenizer } from '../models/tokenizer';

type PieceStyle = 'bytelevel' | 'sentencepiece' | 'plain';

/** GPT-2 byte-to-unicode table, inverted: the printable character each byte is written as in byte-level vocabularies. */
function byteDecoder(): Map<string, number> {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const m = new Map<string, number>();
  bs.forEach((b, i) => m.set(String.fromCodePoint(cs[i]), b));
  return m;
}
const BYTE_DECODER = byteDecoder();

/** The bytes each token stands for, computed once per id and cached per tokenizer. */
export class PieceBytes {
  private readonly style: PieceStyle;
  /** Indexed by token id: an array lookup, not a hash, since this runs for every token of every row. */
  private readonly cache: (Uint8Array | null)[];

  constructor(private readonly tok: LatheTokenizer) {
    this.cache = Array.from({ length: tok.vocabSize }, () => null);
    this.style = tok.tokenToId('Ġthe') !== undefined ? 'bytelevel' : tok.tokenToId('▁the') !== undefined ? 'sentencepiece' : 'plain';
  }

  bytes(id: number): Uint8Array {
    let b = this.cache[id];
    if (!b) {
      b = this.compute(this.tok.idToToken(id) ?? '');
      if (id >= 0 && id < this.cache.length) this.cache[id] = b;
    }
    return b;
  }

  private compute(piece: string): Uint8Array {
    if (this.style === 'bytelevel') {
      const out: number[] = [];
      for (const ch of piece) {
        const b = BYTE_DECODER.get(ch);
        if (b === undefined) return Buffer.from(piece, 'utf8'); // an added token written as plain text
        out.push(b);
      }
      return Uint8Array.from(out);
    }
    if (this.style === 'sentencepiece') {
      const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
      if (m) return Uint8Array.of(parseInt(m[1], 16));
      return Buffer.from(piece.replace(/▁/g, ' '), 'utf8');
    }
    return Buffer.from(piece, 'utf8');
  }
}

/**
 * Byte offsets [start, end) of each token in `text`. SentencePiece tokenizers may add a space that is not in the text
 * (a prefix space after special tokens): such a space is skipped. Returns null when the tokens do not spell the text
 * (a normalizer rewrote it); callers then fall back to prefix tokenization.
 */
export function alignTokens(pieces: PieceBytes, ids: ArrayLike<number>, text: Uint8Array): { starts: Uint32Array; ends: Uint32Array } | null {
  const starts = new Uint32Array(ids.length);
  const ends = new Uint32Array(ids.length);
  let p = 0;
  for (let i = 0; i < ids.length; i++) {
    const b = pieces.bytes(ids[i]);
    let skip = 0;
    if (!matchAt(text, p, b, 0)) {
      if (b.length > 0 && b[0] === 0x20 && matchAt(text, p, b, 1)) skip = 1;
      else return null;
    }
    starts[i] = p;
    p += b.length - skip;
    ends[i] = p;
  }
  return p === text.length ? { starts, ends } : null;
}

function matchAt(text: Uint8Array, p: number, b: Uint8Array, from: number): boolean {
  if (p + b.length - from > text.length) return false;
  for (let k = from; k < b.length; k++) if (text[p + k - from] !== b[k]) return false;
  return true;
}

/** UTF-8 byte offset of each UTF-16 index in `spans` (the text is walked once). */
export function charSpansToBytes(text: string, spans: [number, number][]): [number, number][] {
  if (spans.length === 0) return [];
  const points = [...new Set(spans.flat())].sort((a, b) => a - b);
  const map = new Map<number, number>();
  let bytes = 0;
  let k = 0;
  for (let i = 0; i <= text.length && k < points.length; i++) {
    while (k < points.length && points[k] === i) map.set(points[k++], bytes);
    if (i === text.length) break;
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) { bytes += 4; i++; while (k < points.length && points[k] === i) map.set(points[k++], bytes); }
    else bytes += 3;
  }
  return spans.map(([s, e]) => [map.get(s) ?? bytes, map.get(e) ?? bytes]);
}
