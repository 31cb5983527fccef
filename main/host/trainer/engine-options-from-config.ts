// The one place a TrainingConfig becomes the engine's LoRA and optimizer options (the defaults are the config's).
import type { LoraOptions, OptimizerOptions } from '../../api/engine-options';
import type { TrainingConfig } from '../../api/training-config';

export function loraOptions(c: TrainingConfig): LoraOptions {
  return { r: c.loraR, alpha: c.loraAlpha, dropout: c.loraDropout, rslora: c.rslora, targets: c.loraTargets, seed: c.seed, trainEmbeddings: c.trainEmbeddings };
}

/** The step's options at learning rate `lr` (the schedule's value for this step); trainable tables follow it at their ratio. */
export function optimizerOptions(c: TrainingConfig, lr: number): OptimizerOptions {
  const embeddingLr = c.trainEmbeddings ? lr * ((c.embeddingLearningRate ?? c.learningRate / 10) / c.learningRate) : 0;
  return { lr, beta1: c.adamBeta1, beta2: c.adamBeta2, eps: c.adamEps, weightDecay: c.weightDecay, maxGradNorm: c.maxGradNorm, embeddingLr, loraPlusRatio: c.loraPlusRatio };
}
