// Adapters that also trained the embedding table and head (trainEmbeddings, PEFT modules_to_save): the merged folder
// carries the trained tables (its log-probs equal base+adapter in the engine, tied and untied), the PEFT writer keeps
// them, and a GGUF LoRA file, which cannot hold them, is refused with the merged GGUF as the way out.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_LORA_TARGETS, openEngine, type Engine } from '../../../main/engine/engine';
import { exportGgufLora } from '../../../main/export/gguf-lora';
import { exportMergedFolder } from '../../../main/export/merged-folder';
import { readPeftAdapter, writePeftAdapter } from '../../../main/export/peft-adapter';
import { tempDir } from '../../helpers/temp-dir';
import { tinyModel } from '../../helpers/tiny-model';
import { adamw, loraOf } from '../../helpers/engine-options';

const tmp = tempDir('lathe-tables-export-');
let engine: Engine;
beforeAll(() => {
  engine = openEngine({ threads: 2 });
});

const IDS = [1, 17, 300, 42, 99, 7, 250, 8, 511, 3, 64, 128];
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** Trains 3 steps with trainEmbeddings on and saves the adapter. */
async function trainedAdapter(base: string, out: string): Promise<void> {
  const m = await engine.loadModel(base, { maxSeqLen: 16, lora: loraOf({ r: 4, alpha: 8, targets: ALL_LORA_TARGETS, seed: 1, trainEmbeddings: true }) });
  const targets = [...IDS.slice(1), -1];
  for (let i = 0; i < 3; i++) {
    await m.forward({ tokens: IDS, targets });
    await m.backward(Float32Array.from(targets, (t) => (t < 0 ? 0 : -1 / 11)));
    await m.step(adamw({ lr: 5e-2, embeddingLr: 5e-2 }));
  }
  await m.saveAdapter(out, { baseModel: base });
  await m.close();
}

async function logprobs(dir: string, adapter?: string): Promise<Float32Array> {
  const m = await engine.loadModel(dir, { maxSeqLen: 16 });
  try {
    if (adapter) await m.loadAdapter(adapter);
    return await m.logprobs(IDS, { adapter: !!adapter });
  } finally {
    await m.close();
  }
}

describe.each([
  { label: 'untied head', tied: false },
  { label: 'tied head', tied: true },
])('trained embedding tables ($label)', ({ tied }) => {
  it('merge into a folder whose log-probs equal base+adapter; PEFT round trip keeps them; gguf-lora refuses', async () => {
    const base = await tinyModel({ arch: 'llama', tokenizer: 'synthetic', tied, seed: tied ? 5 : 6 });
    const adapterDir = join(tmp, `adapter-${tied}`);
    await trainedAdapter(base, adapterDir);
    const adapter = await readPeftAdapter(adapterDir);
    expect([...adapter.tables.keys()].sort()).toEqual(['lm_head.weight', 'model.embed_tokens.weight']);

    const merged = join(tmp, `merged-${tied}`);
    await exportMergedFolder(base, adapter, merged, { dtype: 'f32' });
    const want = await logprobs(base, adapterDir);
    expect(maxDiff(await logprobs(merged), want)).toBeLessThan(1e-4);
    expect(maxDiff(await logprobs(base), want)).toBeGreaterThan(1e-3);  // the tables (and LoRA) changed something

    const copy = join(tmp, `copy-${tied}`);
    await writePeftAdapter(copy, { baseModel: base, alpha: adapter.config.loraAlpha, useRslora: false, modules: adapter.modules, tables: adapter.tables });
    const again = await readPeftAdapter(copy);
    expect(again.config.raw.modules_to_save).toEqual(['embed_tokens', 'lm_head']);
    expect(Array.from(again.tables.get('model.embed_tokens.weight')!.data)).toEqual(Array.from(adapter.tables.get('model.embed_tokens.weight')!.data));
    expect(maxDiff(await logprobs(base, copy), want)).toBe(0);

    await expect(exportGgufLora(base, adapter, join(tmp, `x-${tied}.gguf`))).rejects.toMatchObject({ code: 'export.unsupported', hint: expect.stringContaining('merged GGUF') });
  });
});

it('an adapter naming a module it cannot hold in modules_to_save is refused with the name', async () => {
  const base = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
  const dir = join(tmp, 'bad');
  await trainedAdapter(base, dir);
  const { readFile, writeFile } = await import('node:fs/promises');
  const cfg = JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ ...cfg, modules_to_save: ['embed_tokens', 'score'] }));
  await expect(readPeftAdapter(dir)).rejects.toMatchObject({ message: expect.stringContaining('"score"') });
  const m = await engine.loadModel(base, { maxSeqLen: 16 });
  await expect(m.loadAdapter(dir)).rejects.toMatchObject({ message: expect.stringContaining('"score"') });
  await m.close();
});
