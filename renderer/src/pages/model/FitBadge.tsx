// Where the engine's QLoRA plan for a model fits on this machine: on the GPU, CPU only, or not at all.
import type { JSX } from 'react';
import type { FitVerdict } from '../../../../main/api/contract-models';
import { formatBytes } from './bytes';

const FIT = {
  gpu: { text: 'Fits on GPU', cls: 'badge-ok' },
  cpu: { text: 'CPU only', cls: 'badge-warn' },
  none: { text: 'Does not fit', cls: 'badge-danger' },
} as const;

export function FitBadge(props: { fit: FitVerdict; plannedBytes: number; seqLen: number; testId?: string }): JSX.Element {
  return (
    <span className={`badge ${FIT[props.fit].cls}`} title={`QLoRA training at seq ${props.seqLen}, rank 16 plans ${formatBytes(props.plannedBytes)} (the engine's plan, as in the fit check)`} data-testid={props.testId} data-fit={props.fit}>
      {FIT[props.fit].text}
    </span>
  );
}
