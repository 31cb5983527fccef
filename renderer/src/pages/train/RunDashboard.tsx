// The live dashboard of one run: status, progress, ETA and elapsed time, pause / resume / cancel, the error with its
// hint, the charts (train and eval loss, learning rate, gradient norm, tokens/s, memory against the plan), checkpoints
// and the log.
import { stashClone } from './clone';
import { NextSteps, RunSettings } from './RunSettings';
import type { DatasetSummary } from '../../../../main/api/contract';
import { datasetLabel } from './dataset-label';
import { useEffect, useState, type JSX } from 'react';
import type { Run } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { ApiError, toApiError } from '../../api/errors';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorText } from '../../components/Field';
import { Icon } from '../../components/Icon';
import type { Notify } from '../../components/Toasts';
import { CheckpointList, LogPanel } from './RunPanels';
import {
  canCancel,
  canPause,
  canResume,
  displayStep,
  elapsedSeconds,
  etaSeconds,
  isLive,
  secondsPerStep,
  totalStepsOf,
  trainingSteps,
} from './run-math';
import { StatusBadge } from './StatusBadge';
import { useRunLive } from './useRunLive';
import { RunCharts } from './RunCharts';
import { useChartFocus } from './useChartFocus';
import { RunFacts } from './RunFacts';

/**
 * Resume, asked again for a few seconds if the job manager answers with the run unchanged: it does that while the
 * run's previous job (just paused or cancelled) is still shutting its engine host down.
 */
async function resumeRun(id: string): Promise<Run> {
  for (let attempt = 0; ; attempt++) {
    const run = await api.training.resume({ id });
    if (isLive(run.status)) return run;
    if (attempt >= 10) {
      throw new ApiError('runs.resumeNotTaken', `“${run.name}” did not restart: its previous job is still shutting down.`, 'Wait a few seconds and press Resume again.');
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

function Skeleton(): JSX.Element {
  return (
    <div className="dashboard" aria-busy="true" aria-label="Loading the run" data-testid="run-loading">
      <div className="card skeleton-block" style={{ height: 112 }} />
      <div className="chart-grid">
        {[0, 1, 2, 3].map((i) => (
          <div key={i} className="chart-card skeleton-block" style={{ height: 220 }} />
        ))}
      </div>
    </div>
  );
}

export function RunDashboard({ id, focusChart, notify, onBack, onClone, datasets }: { id: string; focusChart?: string; notify: Notify; onBack: () => void; onClone?: () => void; datasets?: readonly DatasetSummary[] }): JSX.Element {
  const { detail, error, logs, plannedBytes, reload } = useRunLive(id);
  useChartFocus(focusChart);
  // The action in flight, and the status it was taken in: a pause is answered at once but takes effect after the
  // current step and its checkpoint, so the button keeps saying so until the status changes.
  const [acting, setActing] = useState<{ label: string; from: Run['status'] }>();
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [renaming, setRenaming] = useState<string>();
  const run = detail?.run;
  const now = useNow(!!run && isLive(run.status));
  const status = run?.status;
  useEffect(() => {
    if (acting && status !== acting.from) setActing(undefined);
  }, [acting, status]);

  async function act(label: string, call: () => Promise<Run>): Promise<void> {
    if (!run) return;
    setActing({ label, from: run.status });
    try {
      const after = await call();
      if (after.status !== run.status) setActing(undefined);
      reload();
    } catch (err) {
      setActing(undefined);
      const e = toApiError(err);
      notify(e.message, { kind: 'error', detail: e.hint });
    }
  }

  const back = (
    <button type="button" className="btn btn-ghost btn-sm back-btn" onClick={onBack} data-testid="runs-back">
      <Icon name="arrow" className="flip" /> All runs
    </button>
  );

  if (error && !detail) {
    return (
      <div className="dashboard">
        {back}
        <div className="card card-error" data-testid="run-error">
          <ErrorText error={error} />
          <button type="button" className="btn btn-sm" onClick={reload}>
            Try again
          </button>
        </div>
      </div>
    );
  }
  if (!run || !detail) return <Skeleton />;

  const metrics = detail.metrics;
  // Step 0 is the baseline evaluation: it belongs on the loss chart only.
  const steps = trainingSteps(metrics);
  const total = totalStepsOf(run);
  const atStep = displayStep(run, detail.checkpoints);
  const newestCheckpoint = detail.checkpoints.length ? Math.max(...detail.checkpoints.map((c) => c.step)) : null;
  const lastTrained = steps[steps.length - 1]?.step ?? 0;
  const pct = total ? Math.min(100, (atStep / total) * 100) : 0;
  const eta = isLive(run.status) ? etaSeconds(metrics, total) : null;
  const elapsed = elapsedSeconds(run, now);
  const perStep = secondsPerStep(metrics);
  const last = steps[steps.length - 1];
  const skipped = metrics.filter((m) => m.skipped).length;

  return (
    <div className="dashboard" data-testid="run-dashboard" data-run-id={run.id}>
      {back}
      <section className="card run-head" aria-label="Run status">
        <div className="run-head-top">
          <div className="run-head-title">
            <h2 className="run-title" data-testid="run-title">
              {run.name}
            </h2>
            <div className="run-sub" title={`${String(run.config.model)}\n${String(run.config.dataset)}`}>
              <span className="mono">{String(run.config.model ?? '').split(/[\\/]/).filter(Boolean).pop()}</span>
              <span className="subtle"> on </span>
              <span className="run-dataset" title={datasetLabel(run.config.dataset, datasets)} data-testid="run-dataset-name">{datasetLabel(run.config.dataset, datasets)}</span>
              <button
                type="button"
                className="btn btn-ghost btn-sm run-copy-id"
                title={`Copy the run id (${run.id}) for the CLI`}
                onClick={() => void navigator.clipboard?.writeText(run.id).then(() => notify('Run id copied'), () => notify(`Run id: ${run.id}`))}
                data-testid="copy-run-id"
              >
                Copy id
              </button>
            </div>
          </div>
          <StatusBadge status={run.status} />
          <div className="run-actions-bar">
            {canPause(run.status) && (
              <button type="button" className="btn btn-sm" onClick={() => void act('pause', () => api.training.pause({ id }))} disabled={!!acting} data-testid="run-pause">
                {acting?.label === 'pause' ? 'Pausing…' : 'Pause'}
              </button>
            )}
            {canResume(run.status) && (
              <button type="button" className="btn btn-sm btn-primary" onClick={() => void act('resume', () => resumeRun(id))} disabled={!!acting} data-testid="run-resume">
                {acting?.label === 'resume' ? 'Resuming…' : 'Resume'}
              </button>
            )}
            {canCancel(run.status) && (
              <button type="button" className="btn btn-sm" onClick={() => setConfirmCancel(true)} disabled={!!acting} data-testid="run-cancel">
                Cancel run
              </button>
            )}
            {onClone && (
              <button type="button" className="btn btn-sm" onClick={() => { stashClone(run); onClone(); }} title="A new run with these settings, model and dataset" data-testid="run-clone">
                Clone settings
              </button>
            )}
            <button type="button" className="btn btn-sm" onClick={() => setRenaming(run.name)} data-testid="run-rename">
              Rename
            </button>
            {!canCancel(run.status) && (
              <button type="button" className="btn btn-sm btn-ghost" onClick={() => setConfirmDelete(true)} data-testid="run-delete">
                Delete
              </button>
            )}
          </div>
        </div>

        <div className="run-progress-big" aria-label={total ? `Step ${atStep} of ${total}` : `Step ${atStep}`}>
          <span className="bar bar-lg">
            <span className={`bar-fill bar-${run.status}`} style={{ width: `${pct}%` }} />
          </span>
        </div>

        <RunFacts run={run} atStep={atStep} total={total} tokensPerSecond={last?.tokensPerSecond ?? null} elapsed={elapsed} perStep={perStep} eta={eta} />
      </section>

      {run.error && (
        <div className="card run-error-card" data-testid="run-failure">
          <ErrorText error={new ApiError(run.error.code, run.error.message, run.error.hint)} />
          {canResume(run.status) && <p className="form-hint">Resume continues from the newest valid checkpoint (or from the start if there is none).</p>}
        </div>
      )}
      {!run.error && canResume(run.status) && (
        <p className="form-hint run-note" data-testid="run-resume-from">
          <Icon name="clock" size={13} />
          {newestCheckpoint === null
            ? 'No checkpoint was written yet: Resume starts the run from the beginning.'
            : `Resume continues from the checkpoint at step ${newestCheckpoint}${lastTrained > newestCheckpoint + 1 ? `; steps ${newestCheckpoint + 1}–${lastTrained} are trained again` : lastTrained === newestCheckpoint + 1 ? `; step ${lastTrained} is trained again` : ''}.`}
        </p>
      )}
      {skipped > 0 && (
        <p className="form-hint" data-testid="run-skipped">
          <Icon name="alert" size={13} /> {skipped} step{skipped === 1 ? ' was' : 's were'} skipped (a non-finite loss or gradient, or no supervised tokens); see the log.
        </p>
      )}

      <RunCharts status={run.status} metrics={metrics} plannedBytes={plannedBytes} total={total} />

      <NextSteps run={run} />
      <div className="panel-grid">
        <CheckpointList checkpoints={detail.checkpoints} />
        <LogPanel logs={logs} live={isLive(run.status)} />
      </div>
      <RunSettings run={run} />

      {renaming !== undefined && (
        <ConfirmDialog
          title="Rename run"
          confirmLabel="Rename"
          onClose={() => setRenaming(undefined)}
          onConfirm={async () => {
            await api.runs.rename({ id, name: renaming.trim() });
            reload();
          }}
        >
          <label className="field-label" htmlFor="run-rename-input">
            Name
          </label>
          <input id="run-rename-input" className="input" value={renaming} onChange={(e) => setRenaming(e.target.value)} maxLength={120} data-testid="run-rename-input" />
        </ConfirmDialog>
      )}
      {confirmDelete && (
        <ConfirmDialog
          title={`Delete “${run.name}”?`}
          confirmLabel="Delete run"
          cancelLabel="Keep it"
          danger
          onClose={() => setConfirmDelete(false)}
          onConfirm={async () => {
            await api.runs.delete({ id });
            notify(`Deleted “${run.name}”`);
            onBack();
          }}
        >
          Its folder goes: {detail.checkpoints.length} checkpoint{detail.checkpoints.length === 1 ? '' : 's'}, the adapter{run.status === 'completed' ? '' : ' (if any)'} and the log. Evaluations and exports made from it stay. This cannot be undone.
        </ConfirmDialog>
      )}
      {confirmCancel && (
        <ConfirmDialog
          title={`Cancel “${run.name}”?`}
          confirmLabel="Cancel run"
          cancelLabel="Keep training"
          danger
          onClose={() => setConfirmCancel(false)}
          onConfirm={async () => {
            await api.training.cancel({ id });
            reload();
          }}
        >
          Training stops after the current step. The last checkpoint is kept, so the run can still be resumed later.
        </ConfirmDialog>
      )}
    </div>
  );
}
