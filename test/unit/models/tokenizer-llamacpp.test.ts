// Token ids of our tokenizer vs an independent implementation: llama.cpp's tokenizer on a GGUF carrying the same vocabulary.
import { afterAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../../main/models/tokenizer';
import { LlamaCppOracle } from '../../helpers/llamacpp-oracle';
import { tinyGguf, type TestTokenizer } from '../../helpers/tiny-model';

const STRINGS = [
  'Hello world!',
  'Numbers: 0 7 42 123 1234 12345678 3.14159 -0.5e-10 1,000,000',
  'Unicode: héllo naïve café — “quotes” Ελληνικά русский 日本語の文章 中文 한국어 🎨🚀👩‍💻',
  'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n',
  'Line one\n\nLine three\r\n\ttabbed   spaced    out  \n\n\n',
  "It's we'll they'd I'M DON'T 'quoted' \"double\"",
  '   leading and trailing spaces   ',
  'URL https://example.com/a?b=c&d=e#f and email a.b@c.de',
  '{"json": [1, 2, {"k": null}], "emoji": "\u00e9"}',
];

const oracles: LlamaCppOracle[] = [];
afterAll(async () => {
  for (const o of oracles) await o.dispose();
});

const CASES: { tokenizer: TestTokenizer; arch: 'llama' | 'qwen3'; special: string }[] = [
  { tokenizer: 'llama3', arch: 'llama', special: '<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>' },
  { tokenizer: 'qwen3', arch: 'qwen3', special: '<|im_start|>user\nHi<|im_end|>\n' },
  { tokenizer: 'llama2', arch: 'llama', special: '[INST] Hi [/INST] Hello </s>' },
  { tokenizer: 'gemma3', arch: 'llama', special: '<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n' },
  { tokenizer: 'synthetic', arch: 'qwen3', special: '<|im_start|>user\nHi<|im_end|>\n<|endoftext|>' },
];

describe.each(CASES)('$tokenizer ids equal llama.cpp', ({ tokenizer, arch, special }) => {
  it('on unicode, numbers, code, whitespace and special tokens', async () => {
    const { dir, path } = await tinyGguf({ arch, tokenizer, hidden: 32, heads: 2, kvHeads: 1, layers: 1, intermediate: 64, tied: true }, 'f16');
    const o = await LlamaCppOracle.load(path, { contextSize: 32 });
    oracles.push(o);
    const tok = await loadTokenizer(dir);
    for (const s of [...STRINGS, special]) {
      expect({ s, ids: tok.encode(s, { addSpecialTokens: false }) }).toEqual({ s, ids: o.tokenize(s) });
    }
  });
});
