// The synthetic 512-token tokenizer: loads through the normal path, round-trips any text, renders ChatML.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticTokenizer, byteLevelAlphabet } from '../../../main/models/synthetic-tokenizer';
import { loadTokenizer } from '../../../main/models/tokenizer';

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lathe-syn-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('synthetic tokenizer', () => {
  it('has the requested size, special tokens, merges that compress English, and exact round trips', async () => {
    await writeSyntheticTokenizer(join(tmp, 'a'), 512);
    const t = await loadTokenizer(join(tmp, 'a'));
    expect(t.vocabSize).toBe(512);
    expect([t.tokenToId('<|endoftext|>'), t.tokenToId('<|im_start|>'), t.tokenToId('<|im_end|>')]).toEqual([509, 510, 511]);
    expect(t.eosId).toBe(511);
    expect(t.padId).toBe(509);
    expect(t.stopIds).toEqual([511, 509]);
    expect(t.bosId).toBeNull();
    expect(t.addBosToken).toBe(false);
    const text = 'The model learns the next token, and the tests check it.';
    const ids = t.encode(text);
    expect(ids.length).toBeLessThan(Buffer.byteLength(text) / 2);
    for (const s of [text, 'héllo 世界 🎨\n\tx = 1e-5;\r\n', '']) expect(t.decode(t.encode(s))).toBe(s);
    const chat = t.renderChat([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }], { addGenerationPrompt: true });
    expect(chat).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>assistant\n');
    expect(t.encode(chat).filter((i) => i === 510)).toHaveLength(3);
  });

  it('is deterministic and validates the size', async () => {
    await writeSyntheticTokenizer(join(tmp, 'b'), 512);
    const [a, b] = [await loadTokenizer(join(tmp, 'a')), await loadTokenizer(join(tmp, 'b'))];
    expect(a.hash).toBe(b.hash);
    expect(byteLevelAlphabet()).toHaveLength(256);
    expect(byteLevelAlphabet()[0]).toBe('!');
    expect(new Set(byteLevelAlphabet()).size).toBe(256);
    await expect(writeSyntheticTokenizer(join(tmp, 'c'), 100)).rejects.toThrow(/too small/);
    await expect(writeSyntheticTokenizer(join(tmp, 'd'), 100000)).rejects.toThrow(/too large/);
  });
});
