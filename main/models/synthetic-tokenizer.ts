// A small deterministic byte-level BPE tokenizer (Qwen2 layout, ChatML template) so engine tests can use a tiny vocab.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LatheError } from '../api/errors';
import { QWEN2_REGEX } from '../export/gguf-tokenizer';

const SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];

const CHATML =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// Written for Lathe: plain English, code, numbers and punctuation so the merges cover the usual shapes.
const CORPUS = `
The model reads the text one token at a time and learns which token comes next. A tokenizer turns text into
numbers, and the numbers back into text. Small models train quickly on a laptop, and the tests use them to check
that every part of the pipeline agrees with the reference implementation. When the loss goes down, the model is
learning; when the validation loss goes up again, it is time to stop. The user writes a question, the assistant
writes an answer, and the trainer only counts the tokens of the answer in the loss.
def train(model, data, steps=100):
    for step in range(steps):
        loss = model.forward(data[step % len(data)])
        loss.backward()
        print(f"step {step}: loss {loss:.4f}")
    return model
const total = items.reduce((sum, item) => sum + item.price * item.count, 0);
if (total > 1000) { console.log("large order", total); } else { return null; }
Numbers: 0 1 2 3 4 5 6 7 8 9 10 12 16 32 64 100 128 256 512 1024 2048 3.14 2.718 -1 1e-5 2024-01-31 12:30.
Names and places: Alice, Bob, Paris, London, Tokyo. Questions? Answers! Lists: apples, pears; tea & coffee.
"Quoted text" and 'single quotes', (parentheses), [brackets], {braces}, <angles>, a/b, a-b, a_b, a.b, a:b.
the the the of of and and to to in in is is it it that that for for on on with with as as at at by by this this
`;

/** GPT-2 bytes_to_unicode, as [byte order of the vocabulary, char of each byte]. */
function bytesToUnicode(): { order: number[]; charOf: string[] } {
  const order: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) order.push(b);
  for (let b = 0xa1; b <= 0xac; b++) order.push(b);
  for (let b = 0xae; b <= 0xff; b++) order.push(b);
  const charOf: string[] = new Array(256);
  for (const b of order) charOf[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (charOf[b] === undefined) {
      order.push(b);
      charOf[b] = String.fromCharCode(256 + n++);
    }
  }
  return { order, charOf };
}

/** The 256 byte-level symbols in GPT-2 vocabulary order (index = token id). */
export function byteLevelAlphabet(): string[] {
  const { order, charOf } = bytesToUnicode();
  return order.map((b) => charOf[b]);
}

function byteLevelChars(word: string, charOf: string[]): string[] {
  return [...Buffer.from(word, 'utf8')].map((b) => charOf[b]);
}

/** Learns `count` BPE merges from the built-in corpus; ties go to the lexicographically first pair. */
function trainMerges(count: number): [string, string][] {
  // Node 20 has no inline (?i:...) groups; case-insensitivity of the contractions does not matter for training.
  const re = new RegExp(QWEN2_REGEX.replace("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"), 'gu');
  const freq = new Map<string, number>();
  for (const m of CORPUS.normalize('NFC').matchAll(re)) freq.set(m[0], (freq.get(m[0]) ?? 0) + 1);
  const { charOf } = bytesToUnicode();
  const words = [...freq.entries()].map(([w, f]) => ({ parts: byteLevelChars(w, charOf), f }));
  const merges: [string, string][] = [];
  while (merges.length < count) {
    const pairs = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i + 1 < w.parts.length; i++) {
        const k = `${w.parts[i]}\u0000${w.parts[i + 1]}`;
        pairs.set(k, (pairs.get(k) ?? 0) + w.f);
      }
    }
    let best: string | null = null;
    let bestN = 0; // pairs seen once still make valid merges; frequent ones come first
    for (const [k, n] of pairs) if (n > bestN || (n === bestN && best !== null && k < best)) [best, bestN] = [k, n];
    if (best === null) break;
    const [a, b] = best.split('\u0000');
    merges.push([a, b]);
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.parts.length; i++) {
        if (i + 1 < w.parts.length && w.parts[i] === a && w.parts[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(w.parts[i]);
      }
      w.parts = out;
    }
  }
  return merges;
}

/** Writes tokenizer.json + tokenizer_config.json of a `vocabSize`-token byte-level BPE into `out`. */
export async function writeSyntheticTokenizer(out: string, vocabSize = 512): Promise<void> {
  const alphabet = byteLevelAlphabet();
  const nMerges = vocabSize - alphabet.length - SPECIALS.length;
  if (!Number.isSafeInteger(vocabSize) || nMerges < 0) {
    throw new LatheError('invalid_option', `--vocab ${vocabSize} is too small: it needs ${alphabet.length + SPECIALS.length} tokens for bytes and specials`);
  }
  const merges = trainMerges(nMerges);
  if (merges.length < nMerges) {
    throw new LatheError('invalid_option', `--vocab ${vocabSize} is too large for the built-in corpus (at most ${alphabet.length + SPECIALS.length + merges.length})`);
  }
  const vocab: Record<string, number> = {};
  alphabet.forEach((c, i) => (vocab[c] = i));
  for (const [a, b] of merges) vocab[a + b] ??= Object.keys(vocab).length;
  const base = Object.keys(vocab).length;
  const added = SPECIALS.map((content, i) => ({ id: base + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'NFC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [{ type: 'Split', pattern: { Regex: QWEN2_REGEX }, behavior: 'Isolated', invert: false }, byteLevel],
    },
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false,
      byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
  const tokenizerConfig = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(added.map(({ id, ...rest }) => [String(id), rest])),
    bos_token: null,
    eos_token: '<|im_end|>',
    pad_token: '<|endoftext|>',
    unk_token: null,
    chat_template: CHATML,
    clean_up_tokenization_spaces: false,
    model_max_length: 4096,
    tokenizer_class: 'Qwen2Tokenizer',
  };
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'tokenizer.json'), JSON.stringify(tokenizerJson, null, 1) + '\n');
  await writeFile(join(out, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2) + '\n');
}
