import { test } from 'vitest';
import { openEngine } from '../../main/engine/engine';
import { loadReferenceModel } from '../helpers/reference-forward';
test('dbg', async () => {
  const dir = 'test/.tmp/tiny/arch-llama_maxPositionEmbeddings-64_ropeScaling-llama3_ropeTheta-500000_tokenizer-llama3';
  const e = openEngine({ threads: 2 });
  const m = await e.loadModel(dir, { maxSeqLen: 64 });
  console.log(m.info());
  const r = await loadReferenceModel(dir);
  console.log(Array.from(r.invFreq));
});
