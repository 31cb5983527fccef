// Token ids of rendered training text checked against an independent tokenizer: llama.cpp's, on a GGUF carrying the same vocabulary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { exportGguf } from '../../../main/export/gguf-model';
import { loadTokenizer, type LatheTokenizer } from '../../../main/models/tokenizer';
import { ExampleTokenizer } from '../../../main/data/tokenize';
import type { Example } from '../../../main/data/types';
import { LlamaCppOracle } from '../../helpers/llamacpp-oracle';
import { TMP_ROOT, tinyModel, type TinySpec } from '../../helpers/tiny-model';

const OUT = join(TMP_ROOT, 'data-gguf');
const CASES: { name: string; spec: TinySpec; template: 'model' | 'chatml' }[] = [
  { name: 'llama3', spec: { arch: 'llama' }, template: 'model' },
  { name: 'qwen3', spec: { arch: 'qwen3' }, template: 'model' },
  { name: 'llama2', spec: { arch: 'mistral', tied: true, kvHeads: 1, tokenizer: 'llama2' }, template: 'chatml' },
];

const EXAMPLES: Example[] = [
  { line: 1, kind: 'chat', messages: [{ role: 'system', content: 'Return JSON only.' }, { role: 'user', content: 'Note: call Ana re invoice #4412 — ana@example.com, +1 (555) 010-9999' }, { role: 'assistant', content: '{"name": "Ana", "email": "ana@example.com", "phone": "+15550109999"}' }] },
  { line: 2, kind: 'chat', messages: [{ role: 'user', content: 'héllo 世界!\n  indented\tline' }, { role: 'assistant', content: 'Bonjour — 12345 ok.\n\n' }, { role: 'user', content: 'again?' }, { role: 'assistant', content: 'Yes.' }] },
  { line: 3, kind: 'completion', messages: [{ role: 'user', content: 'def f(x):\n    return' }, { role: 'assistant', content: ' x * 2\n' }] },
];

describe.each(CASES)('$name: our ids equal llama.cpp tokenization', ({ name, spec, template }) => {
  let oracle: LlamaCppOracle;
  let tok: LatheTokenizer;
  beforeAll(async () => {
    const dir = await tinyModel(spec);
    await mkdir(OUT, { recursive: true });
    const path = join(OUT, `${name}-q8.gguf`);
    if (!existsSync(path)) await exportGguf(dir, path, { outType: 'q8_0' });
    oracle = await LlamaCppOracle.load(path, { contextSize: 64 });
    tok = await loadTokenizer(dir);
  });
  afterAll(async () => {
    await oracle?.dispose();
  });

  it('for rendered chats and completions', () => {
    const et = new ExampleTokenizer({ tokenizer: tok, template, mask: 'assistant' });
    for (const ex of EXAMPLES) {
      for (const r of et.renderer.render(ex)) {
        const ours = Array.from(et.seq(r).ids);
        expect(ours.length).toBeGreaterThan(10);
        expect(ours, `${name} line ${ex.line}`).toEqual(oracle.tokenize(r.text));
      }
    }
  });
});
