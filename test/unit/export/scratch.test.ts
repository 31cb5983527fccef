import { it } from 'vitest';
import { tinyModel } from '../../helpers/tiny-model';
import { exportGguf } from '../../../main/export/gguf-model';
import { LlamaCppOracle } from '../../helpers/llamacpp-oracle';
it('scratch', async () => {
  const dir = await tinyModel({ arch: 'llama', ropeScaling: 'llama3' });
  let t0 = Date.now();
  const r = await exportGguf(dir, 'test/.tmp/llama.gguf', { outType: 'f32' });
  console.log(r, Date.now() - t0);
  t0 = Date.now();
  const o = await LlamaCppOracle.load('test/.tmp/llama.gguf');
  console.log('load', Date.now() - t0);
  const ids = [128000, 9906, 1917, 0, 220];
  console.log(await o.logprobs(ids));
  console.log(await o.greedy(ids, 5));
  console.log(o.tokenize('Hello world! 12345 héllo<|eot_id|>'));
  await o.dispose();
});
