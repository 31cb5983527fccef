// The New run form's end: an error about the run as a whole, the warning when the plan is over what is usable, the
// sequences and tokens per optimizer step, and Cancel / Start (which turns into a warned "Start anyway").
import type { JSX } from 'react';
import type { FitCheck } from '../../../../main/api/contract';
import type { ApiError } from '../../api/errors';
import { ErrorText } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { batchText, type Batch } from './batch-math';
import { formatBytes } from './run-math';

export function RunFormFooter(props: {
  /** An error the form has no field for. */
  error: ApiError | undefined;
  overPlan: FitCheck | undefined;
  batch: Batch | undefined;
  busy: boolean;
  /** Whether the settings have loaded (nothing can start before). */
  ready: boolean;
  onCancel: () => void;
}): JSX.Element {
  const { overPlan, busy } = props;
  return (
    <>
      {props.error && <ErrorText error={props.error} id="run-form-error" context="training.start" />}
      {overPlan && (
        <p className="fit-warning" role="alert" data-testid="fit-warning">
          <Icon name="alert" size={14} /> This run plans {formatBytes(overPlan.plannedBytes)} but {formatBytes(overPlan.budgetBytes)} is usable: it will likely run out of memory. Apply the
          suggestion above, or start anyway.
        </p>
      )}

      <div className="form-actions">
        <span className="form-hint" data-testid="batch-math">
          {batchText(props.batch)}
        </span>
        <button type="button" className="btn" onClick={props.onCancel} disabled={busy} data-testid="new-run-cancel">
          Cancel
        </button>
        <button type="submit" className={`btn ${overPlan ? 'btn-warn' : 'btn-primary'}`} disabled={busy || !props.ready} data-testid="run-start">
          {busy ? 'Starting…' : overPlan ? 'Start anyway' : 'Start training'}
        </button>
      </div>
    </>
  );
}
