// Proof for the forward pass: our teacher-forced log-probs and greedy generations against llama.cpp (node-llama-cpp on
// the model exported to an F32 GGUF) and the f64 scalar reference, for every supported architecture.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exportGguf } from '../../main/export/gguf-model';
import { openEngine, type Engine } from '../../main/engine/engine';
import { LlamaCppOracle } from '../helpers/llamacpp-oracle';
import { loadReferenceModel, referenceLogprobs } from '../helpers/reference-forward';
import { TMP_ROOT, tinyModel, type TinySpec } from '../helpers/tiny-model';

const CASES: { name: string; spec: TinySpec }[] = [
  { name: 'llama (llama3 rope, GQA 4/2, untied)', spec: { arch: 'llama', ropeScaling: 'llama3', ropeTheta: 500000, maxPositionEmbeddings: 64 } },
  { name: 'mistral (GQA 4/1)', spec: { arch: 'mistral', kvHeads: 1 } },
  { name: 'qwen2 (qkv bias, tied)', spec: { arch: 'qwen2', tied: true } },
  { name: 'qwen3 (q/k norm, head_dim 32 != hidden/heads)', spec: { arch: 'qwen3', headDim: 32 } },
];

// Fixed pseudo-random ids inside the (real tokenizer's) vocab; long enough that llama3 scaling bands matter.
function ids(n: number, vocab: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out.push(s % Math.min(vocab, 5000));
  }
  return out;
}

let engine: Engine;
beforeAll(() => {
  engine = openEngine({ threads: 2 });
});

describe.each(CASES)('$name', ({ spec }) => {
  let dir: string;
  let oracle: LlamaCppOracle;
  const gguf = join(TMP_ROOT, `parity-${spec.arch}-${process.pid}.gguf`);
  beforeAll(async () => {
    dir = await tinyModel(spec);
    await exportGguf(dir, gguf, { outType: 'f32' });
    oracle = await LlamaCppOracle.load(gguf, { contextSize: 128 });
  });
  afterAll(async () => {
    await oracle?.dispose();
    rmSync(gguf, { force: true });
  });

  test('teacher-forced log-probs match the f64 reference within 1e-4 and llama.cpp within its own error', async () => {
    const model = await engine.loadModel(dir, { quant: 'none', maxSeqLen: 128 });
    try {
      const seq = ids(40, model.info().vocabSize, 7);
      const ours = Array.from(await model.logprobs(seq));
      const theirs = (await oracle.logprobs(seq)).logprobs;
      const ref = referenceLogprobs(await loadReferenceModel(dir), seq);
      expect(ours).toHaveLength(seq.length - 1);
      let maxLlama = 0;
      let sumLlama = 0;
      let maxRef = 0;
      let refLlama = 0;
      for (let i = 0; i < ours.length; i++) {
        maxLlama = Math.max(maxLlama, Math.abs(ours[i] - theirs[i]));
        sumLlama += Math.abs(ours[i] - theirs[i]);
        maxRef = Math.max(maxRef, Math.abs(ours[i] - ref[i]));
        refLlama = Math.max(refLlama, Math.abs(ref[i] - theirs[i]));
      }
      // Measured: ours vs the f64 reference ~1.5e-6; llama.cpp itself is 1.8e-3..2.8e-3 (max) away from that same
      // reference on these models, so against llama.cpp the bar is its own error: mean < 2e-3, max < 4e-3.
      console.log(JSON.stringify({ arch: spec.arch, maxLlama, meanLlama: sumLlama / ours.length, maxRef, llamaVsRef: refLlama }));
      expect(maxRef).toBeLessThan(1e-4);
      expect(sumLlama / ours.length).toBeLessThan(2e-3);
      expect(maxLlama).toBeLessThan(4e-3);
    } finally {
      await model.close();
    }
  });

  test('greedy generation is token-for-token equal to llama.cpp', async () => {
    const model = await engine.loadModel(dir, { quant: 'none', maxSeqLen: 128 });
    try {
      const prompt = ids(8, model.info().vocabSize, 3);
      const streamed: number[] = [];
      const ours = await model.generate(prompt, { maxNewTokens: 16 }, (t) => streamed.push(t));
      const theirs = await oracle.greedy(prompt, 16);
      expect(ours.tokens).toEqual(theirs);
      expect(streamed).toEqual(ours.tokens);
      expect(ours.finishReason).toBe('length');
    } finally {
      await model.close();
    }
  });
});
