// The project's runs, newest first: status, progress, last loss and age; interrupted runs can be resumed in place.
import type { DatasetSummary } from '../../../../main/api/contract';
import { datasetLabel } from './dataset-label';
import { useState, type JSX } from 'react';
import type { Run } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { toApiError } from '../../api/errors';
import { Icon } from '../../components/Icon';
import type { Notify } from '../../components/Toasts';
import { relativeTime } from '../../format';
import { formatLoss, totalStepsOf } from './run-math';
import { StatusBadge } from './StatusBadge';

function Progress({ run }: { run: Run }): JSX.Element {
  const total = totalStepsOf(run);
  const pct = total ? Math.min(100, (run.step / total) * 100) : 0;
  return (
    <span className="run-progress" title={total ? `${Math.round(pct)}%` : 'Total steps are known once the data is read'}>
      <span className="run-steps" data-testid="run-steps">
        {run.step}
        <span className="subtle"> / {total ?? '…'}</span>
      </span>
      <span className="bar" aria-hidden="true">
        <span className={`bar-fill bar-${run.status}`} style={{ width: `${pct}%` }} />
      </span>
    </span>
  );
}

export function RunList({ runs, onOpen, notify, datasets, onCompare }: { runs: Run[]; onOpen: (id: string) => void; notify: Notify; datasets?: readonly DatasetSummary[]; onCompare?: (ids: string[]) => void }): JSX.Element {
  // Runs ticked for "Compare" (two or more).
  const [chosen, setChosen] = useState<string[]>([]);
  const toggle = (id: string) => setChosen((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id]));
  const [resuming, setResuming] = useState<string>();

  async function resume(run: Run): Promise<void> {
    setResuming(run.id);
    try {
      await api.training.resume({ id: run.id });
      notify(`Resuming “${run.name}”`);
    } catch (err) {
      const e = toApiError(err);
      notify(e.message, { kind: 'error', detail: e.hint });
    } finally {
      setResuming(undefined);
    }
  }

  return (
    <>
    {onCompare && runs.length > 1 && (
      <div className="compare-bar">
        <span className="subtle">{chosen.length < 2 ? 'Tick two or more runs to compare their curves and settings.' : `${chosen.length} runs chosen.`}</span>
        <button type="button" className="btn btn-sm" disabled={chosen.length < 2} onClick={() => onCompare(chosen)} data-testid="compare-open">
          Compare{chosen.length >= 2 ? ` ${chosen.length} runs` : ''}
        </button>
      </div>
    )}
    <ul className="run-list" aria-label="Training runs" data-testid="run-list">
      <li className="run-list-head" aria-hidden="true">
        <span>Run</span>
        <span>Status</span>
        <span>Steps</span>
        <span>Last loss</span>
        <span>Created</span>
        <span />
      </li>
      {runs.map((run) => (
        <li key={run.id} className="run-row" data-testid="run-row" data-run-id={run.id}>
          <button type="button" className="run-open" onClick={() => onOpen(run.id)} aria-label={`Open run ${run.name}`}>
            <span className="run-name" data-testid="run-name">
              {run.name}
            </span>
            <span className="run-model" title={String(run.config.model ?? '')}>
              {String(run.config.model ?? '').split(/[\\/]/).filter(Boolean).pop() ?? ''}
              {run.config.dataset ? ` · ${datasetLabel(run.config.dataset, datasets)}` : ''}
            </span>
          </button>
          <span>
            <StatusBadge status={run.status} />
          </span>
          <Progress run={run} />
          <span className="run-loss" data-testid="run-loss">
            {formatLoss(run.lastLoss)}
          </span>
          <span className="run-created" title={new Date(run.createdAt).toLocaleString()}>
            {relativeTime(run.createdAt)}
          </span>
          <span className="run-actions">
            {onCompare && runs.length > 1 && (
              <input type="checkbox" className="compare-check" checked={chosen.includes(run.id)} onChange={() => toggle(run.id)} aria-label={`Compare ${run.name}`} data-testid="compare-check" />
            )}
            {run.status === 'interrupted' ? (
              <button type="button" className="btn btn-sm" onClick={() => void resume(run)} disabled={resuming === run.id} data-testid="run-resume">
                {resuming === run.id ? 'Resuming…' : 'Resume'}
              </button>
            ) : (
              <Icon name="arrow" className="run-chevron" />
            )}
          </span>
        </li>
      ))}
    </ul>
    </>
  );
}
