// The one place a TrainingConfig becomes the engine's LoRA and optimizer options (the defaults are the config's).
import type { Checkpointing, LoraOptions, OptimizerOptions } from '../../api/engine-options';
import type { TrainingConfig } from '../../api/training-config';

export function loraOptions(c: TrainingConfig): LoraOptions {
  return { r: c.loraR, alpha: c.loraAlpha, dropout: c.loraDropout, rslora: c.rslora, targets: c.loraTargets, seed: c.seed, trainEmbeddings: c.trainEmbeddings };
}

/** The step's options at learning rate `lr` (the schedule's value for this step); trainable tables follow it at their ratio. */
export function optimizerOptions(c: TrainingConfig, lr: number): OptimizerOptions {
  const embeddingLr = c.trainEmbeddings ? lr * ((c.embeddingLearningRate ?? c.learningRate / 10) / c.learningRate) : 0;
  return { lr, beta1: c.adamBeta1, beta2: c.adamBeta2, eps: c.adamEps, weightDecay: c.weightDecay, maxGradNorm: c.maxGradNorm, embeddingLr, loraPlusRatio: c.loraPlusRatio };
}

/**
 * The training forward's checkpointing on a backend (ModelInfo.backend, 'cpu (…)' or 'vulkan (…)', or a fit device's
 * kind): offloadActivations moves the stored layer inputs to host memory only on a GPU. On the CPU they already are
 * in host memory, so the copies would cost time and save nothing.
 */
export function checkpointingFor(c: TrainingConfig, backend: string): Checkpointing {
  return c.offloadActivations && !backend.startsWith('cpu') ? 'offload' : true;
}

/** The run log's line for offloadActivations (none when it is off). */
export function offloadNote(c: TrainingConfig, backend: string): string | null {
  if (!c.offloadActivations) return null;
  return checkpointingFor(c, backend) === 'offload'
    ? 'offloadActivations: each layer\'s input waits in system memory between forward and backward (one download and one upload per layer per micro-batch)'
    : 'offloadActivations: no effect on the CPU (its activations are already in system memory)';
}
