// `lathe model info DIR` (and the library subcommands, see model-library.ts): what a model folder holds (architecture, sizes, parameters, dtype, tokenizer, chat template).
import type { Command } from 'commander';
import { readModelDir } from '../../models/model-dir';
import { registerModelLibrary } from './model-library';

export function register(program: Command): void {
  const model = program.command('model').description('the model library: pull from the hub, import, list, remove, catalog; inspect folders');
  registerModelLibrary(model);
  model
    .command('info')
    .argument('<dir>', 'Hugging Face model folder (config.json + *.safetensors)')
    .description('show architecture, sizes, parameter count, dtype and whether a tokenizer and chat template are present')
    .option('--json', 'print one JSON object')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const m = await readModelDir(dir);
      const info = {
        dir: m.dir,
        architecture: m.architecture,
        modelType: m.modelType,
        vocabSize: m.vocab,
        hiddenSize: m.hidden,
        intermediateSize: m.intermediate,
        layers: m.layers,
        heads: m.heads,
        kvHeads: m.kvHeads,
        headDim: m.headDim,
        tiedEmbeddings: m.tied,
        maxPositionEmbeddings: m.maxPositionEmbeddings,
        ropeTheta: m.rope.theta,
        ropeScaling: m.rope.scaling,
        parameters: m.parameterCount,
        dtype: m.dtype,
        weightFiles: m.weightFiles,
        hasTokenizer: m.hasTokenizer,
        hasChatTemplate: m.hasChatTemplate,
      };
      if (opts.json) {
        process.stdout.write(JSON.stringify(info, null, 2) + '\n');
        return;
      }
      const lines = [
        `${info.architecture} (${info.modelType}) — ${(info.parameters / 1e6).toFixed(1)}M parameters, ${info.dtype}`,
        `layers ${info.layers}, hidden ${info.hiddenSize}, intermediate ${info.intermediateSize}, heads ${info.heads} (kv ${info.kvHeads}, head_dim ${info.headDim}), vocab ${info.vocabSize}`,
        `rope theta ${info.ropeTheta}${info.ropeScaling ? `, scaling ${JSON.stringify(info.ropeScaling)}` : ''}; tied embeddings: ${info.tiedEmbeddings ? 'yes' : 'no'}`,
        `tokenizer: ${info.hasTokenizer ? 'yes' : 'no'}; chat template: ${info.hasChatTemplate ? 'yes' : 'no'}`,
        `files: ${info.weightFiles.join(', ')}`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
