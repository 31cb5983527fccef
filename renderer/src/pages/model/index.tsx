// The Model step (planned): what choosing a base model will look like.
import type { JSX } from 'react';
import { StepPlaceholder } from '../../components/StepPlaceholder';

export function ModelPage(): JSX.Element {
  return (
    <StepPlaceholder
      step="model"
      intro="Pick the open model you want to fine-tune. Lathe reads it from a Hugging Face folder on disk; nothing is uploaded."
      points={[
        { title: 'Llama-family decoders', text: 'Llama 2 and 3.x, Mistral, Qwen2/2.5, Qwen3, SmolLM and TinyLlama, from config.json, safetensors shards and tokenizer.json.' },
        { title: 'What you are getting', text: 'Parameter count, context length, vocabulary and the chat template, read from the model’s own files.' },
        { title: 'Will it fit?', text: 'A memory plan for your hardware before anything loads: base weights in NF4, int8 or bf16, plus adapter, optimizer and activations.' },
      ]}
    />
  );
}
