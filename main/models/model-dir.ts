// Reads a Hugging Face model folder (config.json, safetensors headers, tokenizer presence) into a typed, validated summary.
import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { checkTokenizerJson } from './tokenizer-check';
import { LatheError } from '../api/errors';
import { readCheckpointIndex } from './safetensors';
import { SUPPORTED_MODEL_TYPES, type ModelSummary, type ModelType, type RopeInfo } from '../api/model-types';
export { SUPPORTED_MODEL_TYPES, type ModelSummary, type ModelType, type RopeInfo };

function bad(path: string, field: string, detail: string, hint = 'Check config.json against the model card, or re-download it.'): never {
  throw new LatheError('model_config_invalid', `${path}: field \`${field}\` ${detail}`, hint);
}

function int(cfg: Record<string, unknown>, path: string, field: string, fallback?: number): number {
  const v = cfg[field] ?? fallback;
  if (v === undefined) bad(path, field, 'is missing');
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) bad(path, field, `must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function num(cfg: Record<string, unknown>, path: string, field: string, fallback: number): number {
  const v = cfg[field] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) bad(path, field, `must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

/** Parses and checks config.json; pure so the engine's TS side and tests can reuse it. */
export function summarizeConfig(cfg: Record<string, unknown>, path: string): Omit<ModelSummary, 'dir' | 'dtype' | 'parameterCount' | 'weightFiles' | 'hasTokenizer' | 'hasChatTemplate'> {
  const modelType = cfg.model_type;
  if (typeof modelType !== 'string') bad(path, 'model_type', 'is missing');
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    bad(path, 'model_type', `is "${modelType}", which Lathe does not support`, `Supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')}.`);
  }
  const archs = cfg.architectures;
  const architecture = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : bad(path, 'architectures', 'must be a list naming the model class');
  const hidden = int(cfg, path, 'hidden_size');
  const heads = int(cfg, path, 'num_attention_heads');
  const kvHeads = int(cfg, path, 'num_key_value_heads', heads);
  if (heads % kvHeads !== 0) bad(path, 'num_key_value_heads', `(${kvHeads}) must divide num_attention_heads (${heads})`);
  const headDimRaw = cfg.head_dim ?? (hidden % heads === 0 ? hidden / heads : undefined);
  const headDim = int({ head_dim: headDimRaw }, path, 'head_dim');
  if (headDim % 2 !== 0) bad(path, 'head_dim', `(${headDim}) must be even for RoPE`);
  // transformers v5 moves rope settings into rope_parameters; read both.
  const rp = (cfg.rope_parameters ?? null) as Record<string, unknown> | null;
  const theta = num({ rope_theta: cfg.rope_theta ?? rp?.rope_theta }, path, 'rope_theta', 10000);
  const rawScaling = (cfg.rope_scaling ?? (rp && (rp.rope_type ?? rp.type) && (rp.rope_type ?? rp.type) !== 'default' ? rp : null)) as Record<string, unknown> | null;
  let scaling: RopeInfo['scaling'] = null;
  if (rawScaling && typeof rawScaling === 'object') {
    const type = rawScaling.rope_type ?? rawScaling.type;
    if (typeof type !== 'string') bad(path, 'rope_scaling.rope_type', 'is missing');
    if (type === 'llama3') {
      for (const k of ['factor', 'low_freq_factor', 'high_freq_factor', 'original_max_position_embeddings']) {
        if (typeof rawScaling[k] !== 'number') bad(path, `rope_scaling.${k}`, 'is required for llama3 RoPE scaling');
      }
    }
    if (type !== 'default') scaling = { ...rawScaling, rope_type: type };
  }
  return {
    architecture,
    modelType: modelType as ModelType,
    hidden,
    intermediate: int(cfg, path, 'intermediate_size'),
    layers: int(cfg, path, 'num_hidden_layers'),
    heads,
    kvHeads,
    headDim,
    vocab: int(cfg, path, 'vocab_size'),
    tied: cfg.tie_word_embeddings === undefined ? false : cfg.tie_word_embeddings === true,
    rmsNormEps: num(cfg, path, 'rms_norm_eps', 1e-6),
    maxPositionEmbeddings: int(cfg, path, 'max_position_embeddings', 2048),
    attentionBias: modelType === 'qwen2' || cfg.attention_bias === true,
    rope: { theta, scaling },
    torchDtype: typeof cfg.torch_dtype === 'string' ? cfg.torch_dtype : typeof cfg.dtype === 'string' ? cfg.dtype : null,
  };
}

/** Reads a model folder. Refuses pickle-only checkpoints (never unpickled). */
export async function readModelDir(dir: string): Promise<ModelSummary> {
  const cfgPath = join(dir, 'config.json');
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(await readFile(cfgPath, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LatheError(
      code === 'ENOENT' ? 'model_config_missing' : 'model_config_invalid',
      `${cfgPath}: ${code === 'ENOENT' ? 'not found' : (err as Error).message}`,
      'Point Lathe at a Hugging Face model folder (it holds config.json and *.safetensors).',
    );
  }
  if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) bad(cfgPath, '(top level)', 'must be a JSON object');
  const base = summarizeConfig(cfg, cfgPath);
  const files = await readdir(dir);
  const hasSt = files.includes('model.safetensors') || files.includes('model.safetensors.index.json');
  if (!hasSt) {
    const pickles = files.filter((f) => /\.(bin|pt|pth|ckpt|pkl)$/i.test(f));
    throw new LatheError(
      'model_weights_missing',
      `${dir}: no model.safetensors or model.safetensors.index.json${pickles.length ? ` (found ${pickles.join(', ')}, which are pickle files)` : ''}`,
      pickles.length
        ? 'Lathe never loads pickle files (they can run code). Download the safetensors version of the model.'
        : 'Download the model weights (*.safetensors) into this folder.',
    );
  }
  const tensors = await readCheckpointIndex(dir);
  const dtypes = new Map<string, number>();
  let params = 0;
  for (const t of tensors.values()) {
    if (t.name.endsWith('rotary_emb.inv_freq')) continue;
    const n = t.shape.reduce((a, b) => a * b, 1);
    params += n;
    dtypes.set(t.dtype, (dtypes.get(t.dtype) ?? 0) + n);
  }
  const emb = tensors.get('model.embed_tokens.weight');
  if (!emb) throw new LatheError('model_weights_invalid', `${dir}: tensor model.embed_tokens.weight is missing`, 'The checkpoint is incomplete; re-download it.');
  if (emb.shape[0] !== base.vocab || emb.shape[1] !== base.hidden) {
    throw new LatheError('model_weights_invalid', `${emb.file}: model.embed_tokens.weight has shape [${emb.shape}] but config.json says [${base.vocab}, ${base.hidden}]`, 'config.json and the weights do not belong together.');
  }
  const hasTokenizer = files.includes('tokenizer.json');
  if (hasTokenizer) await checkTokenizerJson(dir, base.vocab);
  let hasChatTemplate = files.includes('chat_template.jinja');
  if (!hasChatTemplate && files.includes('tokenizer_config.json')) {
    try {
      const tc = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
      hasChatTemplate = tc.chat_template != null;
    } catch {
      /* reported when the tokenizer is loaded */
    }
  }
  const weightFiles = [...new Set([...tensors.values()].map((t) => basename(t.file)))].sort();
  return {
    dir,
    ...base,
    dtype: [...dtypes.entries()].sort((a, b) => b[1] - a[1]).map(([d]) => d).join('+'),
    parameterCount: params,
    weightFiles,
    hasTokenizer,
    hasChatTemplate,
  };
}
