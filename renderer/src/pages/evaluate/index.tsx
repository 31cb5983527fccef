// The Evaluate step (planned): what comparing the base model and the adapter will look like.
import type { JSX } from 'react';
import { StepPlaceholder } from '../../components/StepPlaceholder';

export function EvaluatePage(): JSX.Element {
  return (
    <StepPlaceholder
      step="evaluate"
      intro="Find out whether the adapter learned what you wanted before you ship it."
      points={[
        { title: 'Side by side', text: 'The same prompts answered by the base model and by your adapter, with the same sampling settings.' },
        { title: 'Held-out loss', text: 'Loss and perplexity on the validation split, next to the training curve.' },
        { title: 'Chat with it', text: 'Talk to the fine-tuned model using its chat template, with the adapter switched on or off.' },
      ]}
    />
  );
}
