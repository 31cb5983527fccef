import { it } from 'vitest';
import { tinyModel } from '../../helpers/tiny-model';
import { exportGguf } from '../../../main/export/gguf-model';
import { loadReferenceModel, referenceLogprobs } from '../../helpers/reference-forward';
import { LlamaCppOracle } from '../../helpers/llamacpp-oracle';
import { loadTokenizer } from '../../../main/models/tokenizer';
it('scratch', async () => {
  let t0 = Date.now();
  const dir = await tinyModel({ arch: 'qwen3', headDim: 24 });
  console.log('tiny', Date.now() - t0); t0 = Date.now();
  for (const t of ['f32', 'f16', 'q8_0', 'q4_0'] as const) {
    await exportGguf(dir, `test/.tmp/s-${t}.gguf`, { outType: t });
    console.log(t, Date.now() - t0); t0 = Date.now();
  }
  const ref = await loadReferenceModel(dir);
  console.log('refload', Date.now() - t0); t0 = Date.now();
  const tok = await loadTokenizer(dir);
  const ids = tok.encode('The quick brown fox, 42 times: héllo 世界!\n  return x;').slice(0, 14);
  const want = referenceLogprobs(ref, ids);
  console.log('ref', Date.now() - t0); t0 = Date.now();
  for (const t of ['f32', 'f16', 'q8_0', 'q4_0'] as const) {
    const o = await LlamaCppOracle.load(`test/.tmp/s-${t}.gguf`, { contextSize: 32 });
    const { logprobs } = await o.logprobs(ids);
    await o.dispose();
    console.log(t, 'oracle', Date.now() - t0, 'maxdiff', Math.max(...logprobs.map((v, i) => Math.abs(v - want[i]))), 'mean', logprobs.reduce((s, v, i) => s + Math.abs(v - want[i]), 0) / logprobs.length); t0 = Date.now();
  }
  console.log(want);
});
