// The fast paths give exactly the library's ids: byte-level BPE and SentencePiece-style BPE (cut at word starts), on
// shipped tokenizers, edited variants of them, and with cache eviction.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { chunkAtWordStarts, createFastEncoder } from '../../../main/models/fast-encode';
import { loadTokenizer, type LatheTokenizer } from '../../../main/models/tokenizer';
import { lenmlTokenizerDir, syntheticTokenizerDir, type LenmlTokenizer } from '../../helpers/tiny-model';

type Json = Record<string, any>;

/** Pieces that stress each step: splitting regexes, byte mapping, merges, added tokens and their neighbours. */
const PIECES = [
  'Hello', 'world', 'The', 'tokenizer', 'antidisestablishmentarianism', "don't", "I'm", "we'll", "they've", "she'd", "it's", "IT'S", "You'RE",
  '0', '7', '42', '123', '2024', '31415926', '1e-5', '3.14', '-42', '1,000,000', '0x1F', '12:30', '2024-01-31',
  ' ', '  ', '   ', '        ', '\t', '\t\t', '\n', '\n\n', '\n\n\n', '\r\n', '\r\n\r\n', ' \n ', '  \n', '\n  ', '\u00a0', '\u3000', '\u2028', '\u000b', '\u000c',
  'héllo', 'naïve', 'café', 'e\u0301', 'A\u030a', 'Å', 'ﬁ', 'Ελληνικά', 'Привет', 'mир', '中文', '日本語', 'ひらがな', 'カタカナ', '한국어', 'العربية', 'עברית', 'हिन्दी', 'ภาษาไทย',
  '🎨', '🚀', '👍🏽', '👨‍👩‍👧', '🇫🇷', '❤️', '∑∫√', '½', '²', '…', '—', '“quotes”', '«guillemets»', '（全角）', 'ＡＢＣ', '\ufeff', '\u200b', '\u0000', '\u0007', '\u001b[0m',
  '\ud800', '\udc00', 'a\ud83d', '\ude00b',
  'def f(x):\n    return x ** 2  # square\n', '{"a": [1, 2, {"b": null}]}', 'a->b', 'x != y && z', '<div class="x">', '</div>', 'https://example.com/a?b=c&d=e',
  '#include <stdio.h>', 'fn main() { println!("{}", 1); }', 'SELECT * FROM t WHERE id = 1;', '!!!!', '...', '----', '====', '~~~', '$$$', '@user', '#tag',
  '<|eot_id|>', '<|begin_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|im_start|>', '<|im_end|>', '<|endoftext|>', '<|eot', '<|im_', '<think>', '</think>',
  '<s>', '</s>', '<unk>', '<bos>', '<end_of_turn>', '<start_of_turn>', '<0x0A>', '▁', '▁▁', 'Ġ', 'Ċ',
  'x'.repeat(70), 'ab'.repeat(150), ' '.repeat(300), '9'.repeat(80), '🙂'.repeat(40),
  // Gemma's vocabulary has ">▁</", a token across a word start: the cut must not fall inside it.
  '<b> </b>', 'a> </a', '> </', '> </ > </', '>  </', 'x > </ y', '   indented\n      more',
];
const SEPARATORS = ['', '', ' ', ' ', ' ', '\n', '  ', '\t', '\n\n', ', ', '. '];

/** A deterministic corpus: every piece alone, then random mixes of pieces and separators. */
function corpus(count: number, seed = 1): string[] {
  let s = seed >>> 0;
  const rnd = (n: number): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
  const out = [...PIECES];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const n = 1 + rnd(30);
    for (let k = 0; k < n; k++) parts.push(PIECES[rnd(PIECES.length)], SEPARATORS[rnd(SEPARATORS.length)]);
    out.push(parts.join(''));
  }
  return out;
}

const CORPUS = corpus(1500);

function readJson(dir: string, file: string): Json {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json;
}

/** Library ids and fast-path ids for every text, each side with its own Tokenizer instance. */
function compare(json: Json, cfg: Json, texts: string[], cacheCapacity?: number): { fast: number[][]; lib: number[][]; hits: number } {
  const lib = new Tokenizer(structuredClone(json), cfg);
  const enc = createFastEncoder(new Tokenizer(structuredClone(json), cfg), json, cfg, { cacheCapacity });
  expect(enc).not.toBeNull();
  return {
    lib: texts.map((t) => lib.encode(t, { add_special_tokens: false }).ids),
    fast: texts.map((t) => enc!.encode(t)),
    hits: enc!.hits,
  };
}

function expectSame(r: { fast: number[][]; lib: number[][] }, texts: string[]): void {
  const bad = texts.map((t, i) => ({ t, i })).filter(({ i }) => r.fast[i].join() !== r.lib[i].join());
  // Name the first few texts that differ, not just a count.
  expect(bad.slice(0, 5).map(({ t, i }) => ({ text: t, fast: r.fast[i], lib: r.lib[i] }))).toEqual([]);
}

describe('shipped tokenizers through loadTokenizer', () => {
  const toks: Record<string, { fast: LatheTokenizer; lib: LatheTokenizer }> = {};
  beforeAll(async () => {
    for (const name of ['llama3', 'qwen3', 'llama2', 'gemma3'] as LenmlTokenizer[]) {
      const dir = lenmlTokenizerDir(name);
      toks[name] = { fast: await loadTokenizer(dir), lib: await loadTokenizer(dir, { fastEncode: false }) };
    }
  });

  it.each(['llama3', 'qwen3'])('%s takes the fast path and matches the library on every text of the corpus', (name) => {
    const { fast, lib } = toks[name];
    expect(fast.fastEncode).toBe(true);
    expect(lib.fastEncode).toBe(false);
    const texts = CORPUS;
    expectSame({ fast: texts.map((t) => fast.encode(t, { addSpecialTokens: false })), lib: texts.map((t) => lib.encode(t, { addSpecialTokens: false })) }, texts);
    // With special tokens the post-processor's template applies: same ids either way.
    for (const t of texts.slice(0, 50)) expect(fast.encode(t)).toEqual(lib.encode(t));
  });

  it.each(['llama2', 'gemma3'])('%s (SentencePiece-style) takes the word-start fast path and matches the library on every text of the corpus', (name) => {
    const { fast, lib } = toks[name];
    expect(fast.fastEncode).toBe(true);
    expect(lib.fastEncode).toBe(false);
    const texts = CORPUS;
    expectSame({ fast: texts.map((t) => fast.encode(t, { addSpecialTokens: false })), lib: texts.map((t) => lib.encode(t, { addSpecialTokens: false })) }, texts);
    for (const t of texts.slice(0, 50)) expect(fast.encode(t)).toEqual(lib.encode(t));
  });
});

describe('edited byte-level tokenizers', () => {
  let llama3: Json;
  let llama3Cfg: Json;
  let qwen3: Json;
  let qwen3Cfg: Json;
  beforeAll(() => {
    llama3 = readJson(lenmlTokenizerDir('llama3'), 'tokenizer.json');
    llama3Cfg = readJson(lenmlTokenizerDir('llama3'), 'tokenizer_config.json');
    qwen3 = readJson(lenmlTokenizerDir('qwen3'), 'tokenizer.json');
    qwen3Cfg = readJson(lenmlTokenizerDir('qwen3'), 'tokenizer_config.json');
  });

  it('added tokens that strip their neighbours, and normalized added tokens', () => {
    const json = structuredClone(qwen3);
    for (const t of json.added_tokens as Json[]) {
      if (t.content === '<|im_end|>') Object.assign(t, { lstrip: true, rstrip: true });
      if (t.content === '<|im_start|>') Object.assign(t, { rstrip: true });
      if (t.content === '<think>') Object.assign(t, { normalized: true, lstrip: true });
      if (t.content === '</think>') Object.assign(t, { normalized: true, rstrip: true });
    }
    const texts = [...CORPUS.slice(0, 600), 'a <|im_end|> b', '  <|im_end|>\n\nx', '<|im_start|>  user', 'x <think>  y </think>  z', 'Å<think>e\u0301</think>e\u0301'];
    expectSame(compare(json, qwen3Cfg, texts), texts);
  });

  it('a lone ByteLevel pre-tokenizer with its own regex and a prefix space', () => {
    const json = structuredClone(llama3);
    json.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
    const texts = CORPUS.slice(0, 600);
    expectSame(compare(json, llama3Cfg, texts), texts);
  });

  it('a Sequence of several splitting steps before ByteLevel (the general path)', () => {
    const json = structuredClone(qwen3);
    json.pre_tokenizer.pretokenizers.unshift({ type: 'Digits', individual_digits: false }, { type: 'Punctuation', behavior: 'Isolated' });
    const texts = CORPUS.slice(0, 600);
    expectSame(compare(json, qwen3Cfg, texts), texts);
  });

  it('gives the same ids when the word cache is emptied again and again', () => {
    const texts = CORPUS.slice(0, 400);
    const r = compare(llama3, llama3Cfg, texts, 16);
    expectSame(r, texts);
    expect(r.hits).toBeGreaterThan(0);
  });

  it('refuses shapes it does not reproduce', async () => {
    // The synthetic tokenizer has the same layout (Split + ByteLevel) with a tiny vocabulary: quick to build six times.
    const dir = await syntheticTokenizerDir();
    const base = readJson(dir, 'tokenizer.json');
    const baseCfg = readJson(dir, 'tokenizer_config.json');
    expect(base.pre_tokenizer.type).toBe('Sequence');
    const make = (edit: (j: Json) => void, cfgEdit: (c: Json) => void = () => {}) => {
      const json = structuredClone(base);
      const cfg = structuredClone(baseCfg);
      edit(json);
      cfgEdit(cfg);
      return createFastEncoder(new Tokenizer(json, cfg), json, cfg);
    };
    expect(make(() => {})).not.toBeNull();
    expect(make((j) => { j.pre_tokenizer = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }; })).toBeNull();
    expect(make((j) => { j.pre_tokenizer = null; })).toBeNull();
    expect(make((j) => { j.pre_tokenizer.pretokenizers.reverse(); })).toBeNull();
    expect(make((j) => { j.model.dropout = 0.1; })).toBeNull();
    expect(make(() => {}, (c) => { c.remove_space = true; })).toBeNull();
  });
});

describe('SentencePiece-style BPE cut at word starts', () => {
  let llama2: Json;
  let llama2Cfg: Json;
  beforeAll(() => {
    llama2 = readJson(lenmlTokenizerDir('llama2'), 'tokenizer.json');
    llama2Cfg = readJson(lenmlTokenizerDir('llama2'), 'tokenizer_config.json');
  });

  it('cuts before each run of "▁" that follows a word, never inside a token that spans one', () => {
    expect(chunkAtWordStarts('▁Hello▁world▁▁▁x', [])).toEqual(['▁Hello', '▁world', '▁▁▁x']);
    expect(chunkAtWordStarts('a>▁</b>▁c', ['>▁</'])).toEqual(['a>▁</b>', '▁c']);
    expect(chunkAtWordStarts('▁▁', [])).toEqual(['▁▁']);
    expect(chunkAtWordStarts('', [])).toEqual([]);
  });

  it('a merge that joins across a word start (its result is not even in the vocabulary) is still applied as the library does', () => {
    const json = structuredClone(llama2);
    // First in rank: "o" + "▁" and then "o▁" + "w", so "hello world" tokenizes across the word start.
    json.model.merges.unshift('o ▁', 'o▁ w');
    const texts = [...CORPUS.slice(0, 300), 'hello world', 'foo wow', 'o w o  w'];
    const r = compare(json, llama2Cfg, texts);
    expectSame(r, texts);
    // The library built "o▁w" (not in the vocabulary, so it falls back to its bytes): the merge crossed the word start.
    expect(new Tokenizer(structuredClone(json), llama2Cfg).encode('hello world', { add_special_tokens: false }).tokens.join('|')).toContain('<0x6F>|<0xE2>|<0x96>|<0x81>|<0x77>');
  });

  it('refuses the shapes where a cut could change the tokens', () => {
    const make = (edit: (m: Json) => void) => {
      const json = structuredClone(llama2);
      edit(json.model);
      return createFastEncoder(new Tokenizer(json, llama2Cfg), json, llama2Cfg);
    };
    expect(make(() => {})).not.toBeNull();
    expect(make((m) => { m.ignore_merges = true; })).toBeNull();
    expect(make((m) => { m.end_of_word_suffix = '</w>'; })).toBeNull();
    expect(make((m) => { m.continuing_subword_prefix = '##'; })).toBeNull();
    // An unknown symbol could be fused with one across a cut when byte fallback does not cover every byte.
    expect(make((m) => { m.byte_fallback = false; })).toBeNull();
    expect(make((m) => { delete m.vocab['▁']; })).toBeNull();
  });
});

describe('the synthetic test tokenizer (Qwen2 layout, tiny vocabulary)', () => {
  it('matches the library', async () => {
    const dir = await syntheticTokenizerDir();
    const fast = await loadTokenizer(dir);
    const lib = await loadTokenizer(dir, { fastEncode: false });
    expect(fast.fastEncode).toBe(true);
    const texts = CORPUS.slice(0, 600);
    expectSame({ fast: texts.map((t) => fast.encode(t, { addSpecialTokens: false })), lib: texts.map((t) => lib.encode(t, { addSpecialTokens: false })) }, texts);
  });
});
