// GGUF tokenizer metadata from tokenizer.json: gpt2 byte-level BPE (Llama 3, Qwen) or llama SentencePiece-style BPE (Llama 2).
import { LatheError } from '../api/errors';
import { readTokenizerFiles, resolveAddBos, tokenString } from '../models/tokenizer';
import { gv, type GgufWriter } from './gguf-writer';

const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

// The Split regexes of the pre-tokenizers llama.cpp knows (formats.md §6), JSON-unescaped.
export const QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

interface AddedToken { id: number; content: string; special?: boolean }

function collectPreTokenizers(pt: Record<string, unknown> | null | undefined): Record<string, unknown>[] {
  if (!pt) return [];
  if (pt.type === 'Sequence') return ((pt.pretokenizers as Record<string, unknown>[]) ?? []).flatMap(collectPreTokenizers);
  return [pt];
}

/** Which llama.cpp pre-tokenizer (`tokenizer.ggml.pre`) matches this tokenizer.json; null when none does. */
export function detectPre(tokenizerJson: Record<string, unknown>): string | null {
  const pts = collectPreTokenizers(tokenizerJson.pre_tokenizer as Record<string, unknown>);
  const split = pts.find((p) => p.type === 'Split');
  const regex = (split?.pattern as { Regex?: string } | undefined)?.Regex;
  if (regex === LLAMA3_REGEX) return 'llama-bpe';
  if (regex === QWEN2_REGEX) return 'qwen2';
  const bl = pts.find((p) => p.type === 'ByteLevel');
  if (!split && bl && bl.use_regex !== false) return 'gpt-2';
  return null;
}

function hasPrependNormalizer(n: Record<string, unknown> | null | undefined): boolean {
  if (!n) return false;
  if (n.type === 'Sequence') return ((n.normalizers as Record<string, unknown>[]) ?? []).some(hasPrependNormalizer);
  return n.type === 'Prepend' && n.prepend === '\u2581';
}

export interface GgufVocabInfo {
  model: 'gpt2' | 'llama';
  tokenCount: number;
}

/**
 * Adds tokenizer.* keys for the tokenizer folder `dir`. `vocabSize` is the model's vocab (embedding rows);
 * ids the tokenizer does not use are filled as [PAD{i}] / UNUSED, as the reference converter does.
 */
export async function addTokenizerMetadata(w: GgufWriter, dir: string, vocabSize: number): Promise<GgufVocabInfo> {
  const files = await readTokenizerFiles(dir);
  const tj = files.tokenizerJson;
  const cfg = files.tokenizerConfig;
  const model = tj.model as { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[]; byte_fallback?: boolean; unk_token?: string };
  if (model?.type !== 'BPE' || !model.vocab) {
    throw new LatheError('gguf_tokenizer_unsupported', `${dir}/tokenizer.json: model type ${model?.type} cannot be exported to GGUF yet`, 'Only BPE tokenizers (Llama 3, Qwen, Llama 2, Mistral) are supported for GGUF export.');
  }
  const added = (tj.added_tokens as AddedToken[] | undefined) ?? [];
  const tokens: (string | null)[] = new Array(vocabSize).fill(null);
  const types: number[] = new Array(vocabSize).fill(TOKEN_TYPE.UNUSED);
  const place = (id: number, content: string, type: number) => {
    if (id >= vocabSize) {
      throw new LatheError('gguf_vocab_mismatch', `${dir}/tokenizer.json: token ${JSON.stringify(content)} has id ${id} but the model has only ${vocabSize} embedding rows`, 'The tokenizer does not belong to this model.');
    }
    tokens[id] = content;
    types[id] = type;
  };
  const pts = collectPreTokenizers(tj.pre_tokenizer as Record<string, unknown>);
  const byteLevel = pts.some((p) => p.type === 'ByteLevel');
  const kind: 'gpt2' | 'llama' = byteLevel ? 'gpt2' : 'llama';
  if (kind === 'llama' && !model.byte_fallback) {
    throw new LatheError('gguf_tokenizer_unsupported', `${dir}/tokenizer.json: neither byte-level BPE nor SentencePiece-style BPE with byte_fallback`, 'This tokenizer cannot be exported to GGUF yet.');
  }
  for (const [content, id] of Object.entries(model.vocab)) {
    let type: number = TOKEN_TYPE.NORMAL;
    if (kind === 'llama' && /^<0x[0-9A-F]{2}>$/.test(content)) type = TOKEN_TYPE.BYTE;
    if (kind === 'llama' && content === model.unk_token) type = TOKEN_TYPE.UNKNOWN;
    place(id, content, type);
  }
  for (const t of added) {
    const type = kind === 'llama' && t.content === model.unk_token ? TOKEN_TYPE.UNKNOWN : t.special ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED;
    place(t.id, t.content, type);
  }
  const tokenStrings = tokens.map((t, i) => t ?? `[PAD${i}]`);

  w.set('tokenizer.ggml.model', gv.str(kind));
  if (kind === 'gpt2') {
    const pre = detectPre(tj);
    w.set('tokenizer.ggml.pre', gv.str(pre ?? 'default'));
    w.set('tokenizer.ggml.tokens', gv.arr('STRING', tokenStrings));
    w.set('tokenizer.ggml.token_type', gv.arr('INT32', types));
    // Pair-form merges may hold spaces; gguf stores "left right" with U+0120 in place of a space inside a part.
    const merges = (model.merges ?? []).map((m) =>
      Array.isArray(m) ? m.map((p) => p.replace(/ /g, '\u0120')).join(' ') : m,
    );
    w.set('tokenizer.ggml.merges', gv.arr('STRING', merges));
  } else {
    w.set('tokenizer.ggml.pre', gv.str('default'));
    w.set('tokenizer.ggml.tokens', gv.arr('STRING', tokenStrings));
    // No tokenizer.model here. llama.cpp's SentencePiece tokenizer merges the adjacent pair whose result has the
    // highest score, so score = minus the rank of the first merge producing the token reproduces BPE merge order.
    const scores = new Array<number>(tokenStrings.length).fill(0);
    const scored = new Set<number>();
    (model.merges ?? []).forEach((m, rank) => {
      const [a, b] = Array.isArray(m) ? m : m.split(' ');
      const id = model.vocab![a + b];
      if (id != null && !scored.has(id)) {
        scored.add(id);
        scores[id] = -rank;
      }
    });
    // Pieces no merge produces (single characters, bytes, control tokens) never compete as merge results.
    for (let i = 0; i < scores.length; i++) if (!scored.has(i) && types[i] === TOKEN_TYPE.NORMAL) scores[i] = -1e9;
    w.set('tokenizer.ggml.scores', gv.arr('FLOAT32', scores));
    w.set('tokenizer.ggml.token_type', gv.arr('INT32', types));
    // Llama 2 prepends "▁" in its normalizer (SentencePiece's dummy prefix); Gemma does not. llama.cpp defaults to true.
    w.set('tokenizer.ggml.add_space_prefix', gv.bool(hasPrependNormalizer(tj.normalizer as Record<string, unknown> | null)));
  }
  const idOf = (key: string): number | null => {
    const s = tokenString(cfg[key]);
    if (s == null) return null;
    const a = added.find((t) => t.content === s);
    return a ? a.id : (model.vocab![s] ?? null);
  };
  const bos = idOf('bos_token');
  const eos = idOf('eos_token');
  const pad = idOf('pad_token');
  const unk = model.unk_token != null ? (model.vocab[model.unk_token] ?? null) : null;
  if (bos != null) w.set('tokenizer.ggml.bos_token_id', gv.u32(bos));
  if (eos != null) w.set('tokenizer.ggml.eos_token_id', gv.u32(eos));
  if (unk != null) w.set('tokenizer.ggml.unknown_token_id', gv.u32(unk));
  if (pad != null) w.set('tokenizer.ggml.padding_token_id', gv.u32(pad));
  w.set('tokenizer.ggml.add_bos_token', gv.bool(resolveAddBos(tj, cfg)));
  w.set('tokenizer.ggml.add_eos_token', gv.bool(cfg.add_eos_token === true));
  if (files.chatTemplate != null) w.set('tokenizer.chat_template', gv.str(files.chatTemplate));
  return { model: kind, tokenCount: tokenStrings.length };
}
