// Engine options for tests that drive the engine directly: the training config's defaults (the only defaults there
// are) under each test's own values, with clipping off and the tables at the adapter's rate unless a test sets them.
import type { LoraOptions, OptimizerOptions } from '../../main/api/engine-options';
import { loraOptions, optimizerOptions } from '../../main/host/trainer/engine-options-from-config';
import { resolveTrainingConfig } from '../../main/api/training-config';

const defaults = resolveTrainingConfig({ model: '(test)', dataset: '(test)' });

/** LoRA options; the init seed is 0 unless given (what these tests' expected values were computed with). */
export function loraOf(o: Partial<LoraOptions> & Pick<LoraOptions, 'r' | 'targets'>): LoraOptions {
  return { ...loraOptions(defaults), seed: 0, ...o };
}

/** AdamW options at `lr`: maxGradNorm 0 (no clipping) and embeddingLr 0 (= lr) unless given. */
export function adamw(o: Partial<OptimizerOptions> & Pick<OptimizerOptions, 'lr'>): OptimizerOptions {
  return { ...optimizerOptions(defaults, o.lr), maxGradNorm: 0, embeddingLr: 0, ...o };
}
