// A run's status as a colored badge (a pulsing dot while it runs), used in the run list and the dashboard header.
import type { JSX } from 'react';
import { STATUS_LABEL, type RunStatus } from './run-math';

export function StatusBadge({ status }: { status: RunStatus }): JSX.Element {
  return (
    <span className={`status-badge status-${status}`} data-testid="run-status" data-status={status}>
      <span className="status-dot" aria-hidden="true" />
      {STATUS_LABEL[status]}
    </span>
  );
}
