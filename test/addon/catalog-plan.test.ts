// The catalog's fit column is the engine's own plan: planning from a catalog config.json alone equals planning the
// same model folder with its safetensors headers (the fit check's path), and the configs give the published sizes.
import { openSync, closeSync, writeSync, ftruncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildHeader } from '../../main/export/safetensors-writer';
import { planTraining } from '../../main/host/trainer/fit-check';
import { loadCatalog } from '../../main/models/catalog';
import { CATALOG_SETTINGS, planCatalog } from '../../main/models/catalog-plan';
import { tinyTensorShapes } from '../../main/models/make-tiny';
import { readModelDir, summarizeConfig } from '../../main/models/model-dir';
import { resolveTrainingConfig } from '../../main/api/training-config';
import { tempDir } from '../helpers/temp-dir';

/** A model folder whose model.safetensors has the real header and a sparse (unwritten) data region: no disk used. */
function skeleton(dir: string, cfg: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
  const s = summarizeConfig(cfg, 'config.json');
  const shapes = tinyTensorShapes({ ...cfg, head_dim: s.headDim }).map((t) => ({ ...t, dtype: 'BF16' as const }));
  const { header, dataBytes } = buildHeader(shapes, { format: 'pt' });
  const fd = openSync(join(dir, 'model.safetensors'), 'w');
  writeSync(fd, header);
  ftruncateSync(fd, header.length + dataBytes);
  closeSync(fd);
  return dir;
}

describe('model catalog', () => {
  const root = tempDir('lathe-catalog-');
  const catalog = loadCatalog();

  it('lists the curated models with valid configs, licences and revisions', () => {
    expect(catalog.map((e) => e.repo)).toEqual(expect.arrayContaining([
      'HuggingFaceTB/SmolLM2-135M-Instruct', 'Qwen/Qwen3-8B', 'Qwen/Qwen2.5-7B-Instruct', 'meta-llama/Llama-3.2-3B-Instruct',
      'meta-llama/Llama-3.1-8B-Instruct', 'mistralai/Mistral-7B-Instruct-v0.3', 'TinyLlama/TinyLlama-1.1B-Chat-v1.0',
    ]));
    expect(catalog).toHaveLength(16);
    for (const e of catalog) {
      expect(e.license.length).toBeGreaterThan(0);
      expect(e.revision).toMatch(/^(main|[0-9a-f]{40})$/);
    }
    expect(catalog.filter((e) => e.gated).map((e) => e.repo.split('/')[0])).toEqual(['meta-llama', 'meta-llama', 'meta-llama', 'mistralai']);
  });

  it('parameter counts from the configs match the published model sizes', () => {
    const params = Object.fromEntries(catalog.map((e) => [e.id, e.parameterCount]));
    expect(params['smollm2-135m-instruct']).toBe(134_515_008);
    expect(params['qwen2.5-0.5b-instruct']).toBe(494_032_768);
    expect(params['qwen3-0.6b']).toBe(596_049_920);
    expect(params['llama-3.2-1b-instruct']).toBe(1_235_814_400);
    expect(params['tinyllama-1.1b-chat']).toBe(1_100_048_384);
  });

  it('the fit column equals the engine plan of the full model folder (the fit check path)', async () => {
    const ids = ['smollm2-135m-instruct', 'qwen2.5-0.5b-instruct', 'qwen3-0.6b', 'llama-3.2-1b-instruct'];
    const entries = catalog.filter((e) => ids.includes(e.id));
    const plans = await planCatalog({ entries: entries.map((e) => ({ id: e.id, config: e.configJson, storageDtype: e.storageDtype })) });
    for (const e of entries) {
      const dir = skeleton(join(root, e.id), e.configJson);
      expect((await readModelDir(dir)).parameterCount).toBe(e.parameterCount);
      for (const seqLen of CATALOG_SETTINGS.seqLens) {
        const config = resolveTrainingConfig({ model: dir, dataset: 'x', quant: 'nf4', loraR: 16, microBatch: 1, seqLen });
        const full = await planTraining(config, 1, seqLen);
        expect(plans[e.id][String(seqLen)], `${e.id} @ ${seqLen}`).toBe(full.total);
      }
      expect(plans[e.id]['2048']).toBeGreaterThan(plans[e.id]['1024']);
    }
  });
});
