// The Evaluate step: pick a run of the project, then compare its adapter with the base model: loss and pass-rates,
// the checkpoint picker, side-by-side chat, and blind A/B ratings that become a preference dataset.
import { useEffect, useState, type JSX } from 'react';
import type { Project, Run } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { ErrorText } from '../../components/Field';
import { NeedsProject } from '../../components/NeedsProject';
import { StepHeader } from '../../components/StepHeader';
import type { Notify } from '../../components/Toasts';
import { useApiQuery } from '../../hooks/useApiQuery';
import { AbPanel } from './AbPanel';
import { ChatPanel } from './ChatPanel';
import { CheckpointPicker } from './CheckpointPicker';
import { EvalHistory } from './EvalHistory';
import { EvalPanel } from './EvalPanel';
import './evaluate.css';

const SUBTITLE = 'Did the fine-tune work? Compare the adapter with the base model on the same loaded weights: loss, task pass-rates, answers side by side.';

type Tab = 'metrics' | 'chat' | 'ab';

function ProjectEvaluate({ project, notify }: { project: Project; notify: Notify }): JSX.Element {
  const runs = useApiQuery<Run[]>(() => api.runs.list({ projectId: project.id }));
  const usable = (runs.data ?? []).filter((r) => r.status === 'completed' || r.step > 0);
  const [runId, setRunId] = useState<string>('');
  const [tab, setTab] = useState<Tab>('metrics');
  const [historyKey, setHistoryKey] = useState(0);
  useEffect(() => {
    if (!runId && usable[0]) setRunId(usable[0].id);
  }, [runId, usable]);
  const run = usable.find((r) => r.id === runId);

  return (
    <section className="page page-wide" aria-labelledby="page-title" data-testid="evaluate-page">
      <StepHeader step="evaluate" subtitle={SUBTITLE} />
      {runs.error && <ErrorText error={runs.error} />}
      {runs.data && usable.length === 0 ? (
        <div className="empty" data-testid="eval-no-runs">
          <h2 className="empty-title">No trained adapter yet</h2>
          <p className="empty-text">Train a run in this project first; its checkpoints and final adapter show up here.</p>
          <a className="btn btn-primary" href="#/train">Go to Train</a>
        </div>
      ) : (
        <>
          <div className="card eval-target">
            <label className="field-label" htmlFor="eval-run">Run</label>
            <select id="eval-run" className="input eval-select" value={runId} onChange={(e) => setRunId(e.target.value)} data-testid="eval-run">
              {usable.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} ({r.status}, step {r.step})
                </option>
              ))}
            </select>
            <div className="eval-tabs" role="tablist" aria-label="Evaluate views">
              {(['metrics', 'chat', 'ab'] as Tab[]).map((t) => (
                <button key={t} type="button" role="tab" aria-selected={tab === t} className={`btn btn-sm${tab === t ? ' btn-primary' : ''}`} onClick={() => setTab(t)} data-testid={`eval-tab-${t}`}>
                  {t === 'metrics' ? 'Loss & pass-rates' : t === 'chat' ? 'Side-by-side chat' : 'Blind A/B'}
                </button>
              ))}
            </div>
          </div>
          {run && tab === 'metrics' && (
            <>
              <EvalPanel key={run.id} project={project} run={run} onDone={() => setHistoryKey((k) => k + 1)} />
              <CheckpointPicker key={`cp-${run.id}`} project={project} run={run} onDone={() => setHistoryKey((k) => k + 1)} />
              <EvalHistory key={`h-${historyKey}`} project={project} />
            </>
          )}
          {run && tab === 'chat' && <ChatPanel key={run.id} project={project} run={run} notify={notify} />}
          {run && tab === 'ab' && <AbPanel key={run.id} project={project} run={run} notify={notify} />}
        </>
      )}
    </section>
  );
}

export function EvaluatePage({ project, notify }: { project: Project | undefined; notify: Notify }): JSX.Element {
  if (!project) {
    return (
      <section className="page" aria-labelledby="page-title" data-testid="evaluate-page">
        <StepHeader step="evaluate" subtitle={SUBTITLE} />
        <NeedsProject icon="evaluate" text="Evaluations compare a project's trained adapters with their base model. Open or create a project first." />
      </section>
    );
  }
  return <ProjectEvaluate key={project.id} project={project} notify={notify} />;
}
