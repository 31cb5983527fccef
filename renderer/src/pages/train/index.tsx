// The Train step: the project's runs, the New run form, and a live dashboard per run. The open run (or the form) is in
// the URL hash (train-route.ts), so a reload or the back button keeps the user's place.
import { useCallback, useEffect, useState, type JSX } from 'react';
import type { DatasetSummary, Project, Run, SystemInfo } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { ErrorText } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { NeedsProject } from '../../components/NeedsProject';
import { StepHeader } from '../../components/StepHeader';
import type { Notify } from '../../components/Toasts';
import { useApiQuery, type Query } from '../../hooks/useApiQuery';
import { chosenModel } from '../model/chosen-model';
import { CompareRuns } from './CompareRuns';
import { NewRunForm } from './NewRunForm';
import { RunDashboard } from './RunDashboard';
import { RunList } from './RunList';
import { parseTrainView, trainHash, type TrainView } from './train-route';
import './train.css';

type View = TrainView;

function useTrainView(): [View, (v: View) => void] {
  const [view, setView] = useState<View>(() => parseTrainView(window.location.hash));
  useEffect(() => {
    const onHash = () => setView(parseTrainView(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const go = useCallback((v: View) => {
    window.location.hash = trainHash(v);
  }, []);
  return [view, go];
}

function SkeletonRuns(): JSX.Element {
  return (
    <ul className="run-list" aria-busy="true" aria-label="Loading runs" data-testid="runs-loading">
      {[0, 1, 2].map((i) => (
        <li key={i} className="run-row skeleton">
          <span className="skeleton-lines">
            <span />
            <span />
          </span>
        </li>
      ))}
    </ul>
  );
}

function EmptyRuns({ onNew }: { onNew: () => void }): JSX.Element {
  return (
    <div className="empty" data-testid="runs-empty">
      <div className="empty-icon">
        <Icon name="train" size={28} />
      </div>
      <h2 className="empty-title">No training runs yet</h2>
      <p className="empty-text">
        A run trains a LoRA adapter on your dataset. It runs in its own process, checkpoints as it goes, and can be paused, resumed and watched live from
        here.
      </p>
      <button type="button" className="btn btn-primary" onClick={onNew} data-testid="new-run-empty">
        <Icon name="plus" /> Start your first run
      </button>
    </div>
  );
}

function RunsView({ runs, notify, go, datasets }: { runs: Query<Run[]>; notify: Notify; go: (v: View) => void; datasets?: readonly DatasetSummary[] }): JSX.Element {
  // Step and loss in the list follow the metrics without refetching the whole list on every step.
  const [live, setLive] = useState<Record<string, { step: number; loss: number | null }>>({});
  useEffect(
    () =>
      api.on('training.metrics', ({ runId, metrics }) =>
        setLive((l) => ({ ...l, [runId]: { step: metrics.step, loss: metrics.loss ?? l[runId]?.loss ?? null } })),
      ),
    [],
  );
  const list = (runs.data ?? []).map((r) => (live[r.id] && live[r.id].step >= r.step ? { ...r, step: live[r.id].step, lastLoss: live[r.id].loss ?? r.lastLoss } : r));

  return (
    <>
      {runs.error && (
        <div className="card card-error" data-testid="runs-error">
          <ErrorText error={runs.error} />
          <button type="button" className="btn btn-sm" onClick={runs.reload}>
            Try again
          </button>
        </div>
      )}
      {runs.loading && !runs.data ? (
        <SkeletonRuns />
      ) : list.length === 0 ? (
        !runs.error && <EmptyRuns onNew={() => go({ kind: 'new' })} />
      ) : (
        <RunList runs={list} notify={notify} onOpen={(id) => go({ kind: 'run', id })} onCompare={(ids) => go({ kind: 'compare', ids })} datasets={datasets} />
      )}
    </>
  );
}

/** Only what is true on this machine: the CPU, and each GPU the engine can train on (usable Vulkan devices). */
function subtitle(system: SystemInfo | undefined): string {
  const gpus = (system?.vulkanDevices ?? []).filter((d) => d.usable && d.type !== 'cpu').map((d) => d.name);
  const where = gpus.length ? `on this CPU or ${gpus.join(', ')}` : 'on this machine’s CPU';
  return `Train a LoRA adapter on your data with Lathe’s native engine, ${where}. Runs keep going if this window closes.`;
}

function ProjectTraining({ project, notify }: { project: Project; notify: Notify }): JSX.Element {
  const [view, go] = useTrainView();
  const runs = useApiQuery<Run[]>(() => api.runs.list({ projectId: project.id }));
  const datasets = useApiQuery<DatasetSummary[]>(() => api.datasets.list({ projectId: project.id }));
  const system = useApiQuery<SystemInfo>(() => api.system.info());
  const reload = runs.reload;
  // Status changes (a run finishing, another tab starting one) reorder and relabel the list.
  useEffect(() => api.on('training.status', ({ run }) => void (run.projectId === project.id && reload())), [project.id, reload]);
  // A new view starts at the top (the form's Start button is far down; the dashboard should not open scrolled).
  const viewKey = view.kind === 'run' ? view.id : view.kind === 'compare' ? view.ids.join(',') : view.kind;
  useEffect(() => {
    // A block body: newer Chromium returns a promise from scrollTo, which must not become the effect's clean-up.
    void document.getElementById('content')?.scrollTo({ top: 0 });
  }, [viewKey]);
  // N starts a new run, as on the Projects page; ignored while typing or with a dialog open.
  useEffect(() => {
    function onKey(e: KeyboardEvent): void {
      const el = e.target as HTMLElement | null;
      const typing = !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
      if (e.ctrlKey || e.metaKey || e.altKey || typing || document.querySelector('dialog[open]')) return;
      if ((e.key === 'n' || e.key === 'N') && view.kind !== 'new') {
        e.preventDefault();
        go({ kind: 'new' });
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go, view.kind]);
  // Like the Projects page: with no runs yet, the empty state's button is the only call to action.
  const showNew = view.kind === 'run' || (view.kind === 'list' && !!runs.data?.length);

  return (
    <section className="page page-wide" aria-labelledby="page-title" data-testid="train-page">
      <StepHeader step="train" subtitle={subtitle(system.data)}>
        {showNew && (
          <button type="button" className="btn btn-primary" onClick={() => go({ kind: 'new' })} title="New run (N)" data-testid="new-run">
            <Icon name="plus" /> New run
          </button>
        )}
      </StepHeader>
      {view.kind === 'new' ? (
        <NewRunForm
          project={project}
          defaultModel={chosenModel(project.id)}
          onCancel={() => go({ kind: 'list' })}
          onStarted={(run) => {
            notify(`Started “${run.name}”`);
            go({ kind: 'run', id: run.id });
          }}
        />
      ) : view.kind === 'compare' ? (
        <CompareRuns ids={view.ids} onBack={() => go({ kind: 'list' })} />
      ) : view.kind === 'run' ? (
        <RunDashboard id={view.id} focusChart={view.chart} notify={notify} onBack={() => { go({ kind: 'list' }); reload(); }} onClone={() => go({ kind: 'new' })} datasets={datasets.data} />
      ) : (
        <RunsView runs={runs} notify={notify} go={go} datasets={datasets.data} />
      )}
    </section>
  );
}

export function TrainPage({ project, notify }: { project: Project | undefined; notify: Notify }): JSX.Element {
  if (!project) {
    return (
      <section className="page" aria-labelledby="page-title" data-testid="train-page">
        <StepHeader step="train" subtitle={subtitle(undefined)} />
        <NeedsProject icon="train" text="Runs belong to a project, next to its model and data. Open or create one to start training." />
      </section>
    );
  }
  // Keyed by project so switching projects starts from a fresh list and form.
  return <ProjectTraining key={project.id} project={project} notify={notify} />;
}
