// Argument schemas of the datasets.* API methods (zod only, so the renderer can share them through the contract).
import { z } from 'zod';
import { Id, LocalPath as Path } from './schemas';

/** A file name inside an upload folder: no separators, no parent references. */
const UploadName = z.string().min(1).max(200).refine((s) => !/[\\/\0]/.test(s) && s !== '.' && s !== '..', 'is not a plain file name');

/** Where the dataset comes from: a path the user picked (Electron, CLI) or a web-mode upload. */
export const DatasetSource = z.union([
  z.object({ path: Path }).strict(),
  z.object({ uploadId: z.string().uuid('is not an upload id'), name: UploadName }).strict(),
]);

const Field = z.string().min(1).max(200);
/** What `--map` (and a run's columnMap) may rename: top-level fields, message keys (role, content) and role values. */
export const MAP_KEY_PATTERN = /^(instruction|input|output|system|conversations|messages|prompt|chosen|rejected|completion|label|answer|text|tools|role|content|role\.(system|developer|user|assistant|tool|function_call))$/;
const MapKey = z.string().regex(MAP_KEY_PATTERN, 'is not a field Lathe maps (e.g. messages, role, content, role.user)');
export const ReadArgs = {
  source: DatasetSource,
  format: z.enum(['alpaca', 'sharegpt', 'messages', 'preference', 'kto', 'prompts', 'completion', 'text']).optional(),
  sourceKind: z.enum(['jsonl', 'json', 'csv', 'tsv', 'parquet', 'text']).optional(),
  // Top-level fields, plus message-level keys (role, content) and role values (role.user, …) as `--map` takes them.
  map: z.record(MapKey, Field).optional(),
  jsonField: Field.optional(),
  textUnit: z.enum(['document', 'paragraph']).optional(),
  /** Chosen by the client: progress events carry it and datasets.cancel takes it. */
  jobId: z.string().uuid().optional(),
};

export const TokenArgs = {
  /** Model or tokenizer folder whose tokenizer and chat template are used. */
  tokenizerPath: Path.optional(),
  template: z.enum(['model', 'chatml', 'alpaca', 'llama-2', 'llama-3', 'mistral', 'gemma', 'phi-3']).optional(),
  mask: z.enum(['assistant', 'all', 'last', 'turns-marked']).optional(),
  maxLen: z.number().int().min(8).max(1_048_576).optional(),
  policy: z.enum(['truncate', 'drop', 'split']).optional(),
};

export const InspectArgs = z
  .object({
    ...ReadArgs,
    ...TokenArgs,
    valFraction: z.number().min(0).max(0.5).optional(),
    valCount: z.number().int().min(0).optional(),
    seed: z.number().int().min(0).max(2 ** 31).optional(),
  })
  .strict();

export const PreviewArgs = z
  .object({ ...ReadArgs, ...TokenArgs, tokenizerPath: Path, offset: z.number().int().min(0).max(1_000_000).optional(), count: z.number().int().min(1).max(50).optional() })
  .strict();

export const RawLinesArgs = z.object({ source: DatasetSource, line: z.number().int().min(1), context: z.number().int().min(0).max(20).optional() }).strict();

// allowDuplicate: import even when the project already holds a byte-identical file (otherwise datasets.duplicate).
// training: the Data step's settings the New run form then starts from (validation share, max length, mask, length policy, template).
const ImportTraining = z.object({ validationFraction: z.number().min(0).max(0.5).optional(), seqLen: z.number().int().min(16).max(131072).optional(), lossMask: z.string().max(32).optional(), lengthPolicy: z.enum(['truncate', 'drop', 'split']).optional(), template: z.string().max(32).optional() }).strict();
export const ImportArgs = z.object({ ...ReadArgs, projectId: Id, name: z.string().min(1).max(120).optional(), onInvalid: z.enum(['skip', 'abort']).optional(), allowDuplicate: z.boolean().optional(), training: ImportTraining.optional() }).strict();
