// `lathe dev …`: developer tools — tiny random checkpoints for tests, and a raw HF → GGUF conversion.
import type { Command } from 'commander';
import { LatheError } from '../../api/errors';
import { makeTinyModel, type TinyArch } from '../../models/make-tiny';
import { exportGguf, type GgufOutType } from '../../export/gguf-model';
import { writeSyntheticTokenizer } from '../../models/synthetic-tokenizer';

const ARCHS: TinyArch[] = ['llama', 'mistral', 'qwen2', 'qwen3'];
const DTYPES = ['f32', 'bf16', 'f16'] as const;
const GGUF_TYPES: GgufOutType[] = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0'];

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new LatheError('invalid_option', `--${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

function oneOf<T extends string>(name: string, allowed: readonly T[]) {
  return (v: string): T => {
    if (!(allowed as readonly string[]).includes(v)) {
      throw new LatheError('invalid_option', `--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
    }
    return v as T;
  };
}

interface MakeTinyOpts {
  arch: TinyArch; tokenizer: string; out: string; seed?: number; dtype?: (typeof DTYPES)[number];
  hidden?: number; layers?: number; heads?: number; kvHeads?: number; headDim?: number; intermediate?: number;
  ropeScaling?: 'llama3'; tied?: boolean; shards?: number; json?: boolean;
}

export function register(program: Command): void {
  const dev = program.command('dev').description('developer tools (test models, raw conversions)');

  dev
    .command('make-tiny')
    .description('write a deterministic random-weight checkpoint in Hugging Face layout')
    .requiredOption('--arch <arch>', `architecture: ${ARCHS.join('|')}`, oneOf('arch', ARCHS))
    .requiredOption('--tokenizer <dir>', 'folder with tokenizer.json (+ tokenizer_config.json); sets vocab_size')
    .requiredOption('--out <dir>', 'output folder')
    .option('--seed <n>', 'PRNG seed', (v) => Number(v))
    .option('--dtype <dtype>', `weight dtype: ${DTYPES.join('|')}`, oneOf('dtype', DTYPES))
    .option('--hidden <n>', 'hidden size (default 64)', int('hidden'))
    .option('--layers <n>', 'layers (default 2)', int('layers'))
    .option('--heads <n>', 'attention heads (default 4)', int('heads'))
    .option('--kv-heads <n>', 'key/value heads (default 2)', int('kv-heads'))
    .option('--head-dim <n>', 'head dim (default hidden/heads)', int('head-dim'))
    .option('--intermediate <n>', 'MLP size (default 128)', int('intermediate'))
    .option('--rope-scaling <type>', 'RoPE scaling: llama3', oneOf('rope-scaling', ['llama3'] as const))
    .option('--tied', 'tie lm_head to the embeddings')
    .option('--shards <n>', 'number of safetensors shards (default 1)', int('shards'))
    .option('--json', 'print the result as JSON')
    .action(async (o: MakeTinyOpts) => {
      const info = await makeTinyModel({
        arch: o.arch, tokenizerDir: o.tokenizer, out: o.out, seed: o.seed, dtype: o.dtype, hidden: o.hidden, layers: o.layers,
        heads: o.heads, kvHeads: o.kvHeads, headDim: o.headDim, intermediate: o.intermediate, ropeScaling: o.ropeScaling,
        tied: o.tied, shards: o.shards,
      });
      if (o.json) process.stdout.write(JSON.stringify({ dir: info.dir, parameterCount: info.parameterCount, config: info.config }, null, 2) + '\n');
      else process.stdout.write(`wrote ${info.config.architectures} with ${info.parameterCount.toLocaleString('en-US')} parameters to ${info.dir}\n`);
    });

  dev
    .command('make-tokenizer')
    .description('write a small deterministic byte-level BPE tokenizer (ChatML template) for fast tests')
    .requiredOption('--out <dir>', 'output folder')
    .option('--vocab <n>', 'vocabulary size including 3 special tokens (default 512)', int('vocab'))
    .action(async (o: { out: string; vocab?: number }) => {
      await writeSyntheticTokenizer(o.out, o.vocab ?? 512);
      process.stdout.write(`wrote a ${o.vocab ?? 512}-token tokenizer to ${o.out}\n`);
    });

  dev
    .command('gguf')
    .description('convert a Hugging Face model folder to a GGUF model file (llama.cpp layout)')
    .requiredOption('--model <dir>', 'model folder (config.json, *.safetensors, tokenizer.json)')
    .requiredOption('--out <file>', 'output .gguf path')
    .option('--type <type>', `tensor type: ${GGUF_TYPES.join('|')} (default f16)`, oneOf('type', GGUF_TYPES))
    .option('--json', 'print the result as JSON')
    .action(async (o: { model: string; out: string; type?: GgufOutType; json?: boolean }) => {
      const r = await exportGguf(o.model, o.out, { outType: o.type ?? 'f16' });
      if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
      else process.stdout.write(`wrote ${r.path} (${r.arch}, ${r.tensorCount} tensors, ${r.bytes} bytes)\n`);
    });
}
