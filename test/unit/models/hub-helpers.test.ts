// Pure pieces of the model library: which repo files a run needs (never pickles), repo@rev parsing, HF_ENDPOINT,
// licences from model cards, and the fit rule shared with the fit check.
import { describe, expect, it } from 'vitest';
import { fitVerdict, BUDGET_SHARE } from '../../../main/models/fit';
import { hubEndpoint, parseRepoRef } from '../../../main/models/hub/endpoint';
import { isNeededFile, isPickle } from '../../../main/models/hub/select';
import { licenseFromCard } from '../../../main/models/license';

describe('model library helpers', () => {
  it('fetches only what a run needs, never pickle weights or sub-folders', () => {
    for (const f of ['model.safetensors', 'model-00001-of-00004.safetensors', 'model.safetensors.index.json', 'config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'tokenizer.model', 'vocab.json', 'merges.txt', 'chat_template.jinja', 'README.md', 'LICENSE', 'LICENSE.txt', 'USE_POLICY.md']) {
      expect(isNeededFile(f), f).toBe(true);
    }
    for (const f of ['pytorch_model.bin', 'pytorch_model.bin.index.json', 'model.pt', 'consolidated.00.pth', 'original/consolidated.00.pth', 'original/params.json', '.gitattributes', 'onnx/model.onnx', 'flax_model.msgpack', 'tf_model.h5']) {
      expect(isNeededFile(f), f).toBe(false);
    }
    expect(isPickle('x.ckpt')).toBe(true);
  });

  it('parses repo@revision and refuses what the hub would not accept', () => {
    expect(parseRepoRef('Qwen/Qwen3-0.6B')).toEqual({ repo: 'Qwen/Qwen3-0.6B', revision: 'main' });
    expect(parseRepoRef('a/b@v1.0')).toEqual({ repo: 'a/b', revision: 'v1.0' });
    for (const bad of ['nope', 'a/b/c', '../x/y', 'a/..', 'a b/c']) expect(() => parseRepoRef(bad), bad).toThrow(/repo id/);
    expect(() => parseRepoRef('a/b@')).toThrow(/revision/);
    expect(() => parseRepoRef('a/b@x/../y')).toThrow(/revision/);
  });

  it('honours HF_ENDPOINT', () => {
    expect(hubEndpoint({})).toBe('https://huggingface.co');
    expect(hubEndpoint({ HF_ENDPOINT: 'https://hf-mirror.example/' })).toBe('https://hf-mirror.example');
  });

  it('reads the licence from a model card front matter', () => {
    expect(licenseFromCard('---\nlicense: apache-2.0\ntags: [x]\n---\n# M')).toBe('apache-2.0');
    expect(licenseFromCard('---\nlicense: other\nlicense_name: llama3.2\n---\n')).toBe('llama3.2');
    expect(licenseFromCard('# no front matter')).toBeNull();
    expect(licenseFromCard('---\nlicense: [unclosed\n---\n')).toBeNull();
  });

  it('fits on a GPU, else in RAM, else not at all, with the fit check’s budget share', () => {
    const gib = 2 ** 30;
    expect(fitVerdict(5 * gib, { freeBytes: 64 * gib, gpuBytes: [8 * gib] })).toBe('gpu');
    expect(fitVerdict(7.5 * gib, { freeBytes: 64 * gib, gpuBytes: [8 * gib] })).toBe('cpu');
    expect(fitVerdict(Math.floor(10 * gib * BUDGET_SHARE) + 1, { freeBytes: 10 * gib, gpuBytes: [] })).toBe('none');
    expect(fitVerdict(Math.floor(10 * gib * BUDGET_SHARE), { freeBytes: 10 * gib, gpuBytes: [] })).toBe('cpu');
  });
});
