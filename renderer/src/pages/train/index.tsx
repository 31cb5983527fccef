// The Train step (planned): what configuring and watching a LoRA/QLoRA run will look like.
import type { JSX } from 'react';
import { StepPlaceholder } from '../../components/StepPlaceholder';

export function TrainPage(): JSX.Element {
  return (
    <StepPlaceholder
      step="train"
      intro="Train a LoRA adapter on your data with Lathe’s own native engine, on the CPU or an NVIDIA GPU. No Python, no CUDA toolkit to install."
      points={[
        { title: 'Few knobs, each explained', text: 'Rank, alpha, target modules, learning rate and epochs, each with its default and the reason for it. QLoRA keeps the base model in 4-bit NF4.' },
        { title: 'Live progress', text: 'Loss curves, tokens per second and the time left, with checkpoints you can resume from.' },
        { title: 'Runs outlive the window', text: 'Training runs in its own process: closing the UI or a crash in the engine does not lose the run.' },
      ]}
    />
  );
}
