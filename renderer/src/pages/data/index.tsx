// The Data step of the wizard (placeholder until the real page lands): import a dataset and inspect what the model will train on.
import type { JSX } from 'react';

export function DataPage(): JSX.Element {
  return (
    <section data-testid="data-page">
      <h2>Data</h2>
      <p>Dataset import is being built.</p>
    </section>
  );
}
