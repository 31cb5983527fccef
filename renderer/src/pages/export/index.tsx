// The Export step (planned): what saving the adapter for other tools will look like.
import type { JSX } from 'react';
import { StepPlaceholder } from '../../components/StepPlaceholder';

export function ExportPage(): JSX.Element {
  return (
    <StepPlaceholder
      step="export"
      intro="Take the result to the tools you already use."
      points={[
        { title: 'Hugging Face PEFT', text: 'adapter_config.json and adapter_model.safetensors, loadable with peft and transformers.' },
        { title: 'Merged model', text: 'The adapter folded into the base weights, saved as a regular safetensors checkpoint.' },
        { title: 'llama.cpp and Ollama', text: 'A GGUF file of the merged model, ready for llama.cpp, Ollama and LM Studio.' },
      ]}
    />
  );
}
