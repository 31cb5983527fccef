// README.md model card for a PEFT export: base model, training data hash, LoRA config, evaluation results, usage.
import { existsSync, statSync } from 'node:fs';
import { sha256File } from '../runs/checkpoints';
import type { ExportSource } from './export-source';
import type { PeftConfig } from './peft-adapter';

export async function modelCard(src: ExportSource, cfg: PeftConfig, mergeKL: number | null): Promise<string> {
  const c = src.run?.config;
  let dataHash = 'n/a';
  if (c && existsSync(c.dataset) && statSync(c.dataset).isFile()) dataHash = `sha256:${await sha256File(c.dataset)}`;
  const lines = [
    '---',
    'library_name: peft',
    `base_model: ${JSON.stringify(cfg.baseModel || src.baseDir)}`,
    'tags: [lora, lathe]',
    '---',
    '',
    '# LoRA adapter (exported by Lathe)',
    '',
    `- Base model: \`${cfg.baseModel || src.baseDir}\``,
    `- LoRA: r = ${cfg.r}, alpha = ${cfg.loraAlpha}${cfg.useRslora ? ' (rsLoRA: scale alpha/√r)' : ''}, targets: ${cfg.targetModules.join(', ')}`,
  ];
  if (c) {
    lines.push(
      `- Training data: \`${c.dataset}\` (${dataHash})`,
      `- Training: ${c.quant === 'none' ? 'LoRA' : `QLoRA (${c.quant} base)`}, lr ${c.learningRate}, ${c.maxSteps ? `${c.maxSteps} steps` : `${c.epochs} epochs`}, seq len ${c.seqLen}, seed ${c.seed}`,
      `- Source: run \`${src.run!.dir}\`, ${src.run!.checkpoint === null ? 'final adapter' : `checkpoint at step ${src.run!.checkpoint}`}`,
    );
  }
  lines.push('', '## Evaluation', '');
  if (src.run?.evalLoss != null) lines.push(`- Validation loss: ${src.run.evalLoss.toFixed(4)}`);
  if (mergeKL !== null) lines.push(`- Merge-quality KL (adapter on the quantized base vs merged model, per token): ${mergeKL.toExponential(3)}`);
  if (src.run?.evalLoss == null && mergeKL === null) lines.push('No evaluation results were recorded.');
  lines.push(
    '',
    '## Use with PEFT',
    '',
    '```python',
    'from transformers import AutoModelForCausalLM',
    'from peft import PeftModel',
    `base = AutoModelForCausalLM.from_pretrained(${JSON.stringify(cfg.baseModel || src.baseDir)})`,
    'model = PeftModel.from_pretrained(base, "path/to/this/folder")',
    '```',
    '',
  );
  return lines.join('\n');
}
