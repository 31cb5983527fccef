// The curated catalog of known-good small open models (assets/catalog): repo ids, revisions, licence, gating, and each
// model's config.json, from which its architecture and parameter count are read the same way as for a local folder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LatheError } from '../api/errors';
import { appRoot } from '../app-root';
import { summarizeConfig } from './model-dir';

const EntrySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  name: z.string().min(1),
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  revision: z.string().min(1),
  license: z.string().min(1),
  gated: z.boolean(),
  chatTemplate: z.boolean(),
  config: z.string().regex(/^configs\/[\w.-]+\.json$/),
  configSource: z.enum(['confirmed', 'reconstructed']),
});
const CatalogSchema = z.object({ note: z.string().optional(), entries: z.array(EntrySchema).min(1) });

export interface CatalogModel extends z.infer<typeof EntrySchema> {
  architecture: string;
  modelType: string;
  parameterCount: number;
  /** Size of the weights as published (their stored dtype), i.e. roughly what a download fetches. */
  weightBytes: number;
  storageDtype: 'F32' | 'BF16' | 'F16';
  contextLength: number;
  configJson: Record<string, unknown>;
}

export function catalogDir(): string {
  return join(appRoot(), 'assets', 'catalog');
}

const DTYPES: Record<string, { name: 'F32' | 'BF16' | 'F16'; bytes: number }> = {
  float32: { name: 'F32', bytes: 4 },
  bfloat16: { name: 'BF16', bytes: 2 },
  float16: { name: 'F16', bytes: 2 },
};

/** Parameters of a Llama-family decoder from its config (embeddings once when tied; q/k/v biases for Qwen2; q/k norms for Qwen3). */
export function parameterCountFromConfig(s: ReturnType<typeof summarizeConfig>): number {
  const qd = s.heads * s.headDim;
  const kvd = s.kvHeads * s.headDim;
  const attn = s.hidden * qd + 2 * s.hidden * kvd + qd * s.hidden + (s.attentionBias ? qd + 2 * kvd : 0) + (s.modelType === 'qwen3' ? 2 * s.headDim : 0);
  const perLayer = attn + 3 * s.hidden * s.intermediate + 2 * s.hidden;
  return s.vocab * s.hidden * (s.tied ? 1 : 2) + s.layers * perLayer + s.hidden;
}

export function loadCatalog(dir = catalogDir()): CatalogModel[] {
  const file = join(dir, 'catalog.json');
  const parsed = CatalogSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new LatheError('catalog.invalid', `${file}: ${i.path.join('.')} ${i.message}`, 'The catalog ships with Lathe; reinstall, or fix the entry named.');
  }
  return parsed.data.entries.map((e) => {
    const cfgPath = join(dir, e.config);
    const configJson = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
    const s = summarizeConfig(configJson, cfgPath);
    const dtype = DTYPES[s.torchDtype ?? 'bfloat16'] ?? DTYPES.bfloat16;
    const parameterCount = parameterCountFromConfig(s);
    return { ...e, architecture: s.architecture, modelType: s.modelType, parameterCount, weightBytes: parameterCount * dtype.bytes, storageDtype: dtype.name, contextLength: s.maxPositionEmbeddings, configJson };
  });
}
