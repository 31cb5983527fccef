// The Export step: pick a run's adapter and targets (size estimated first), follow each export live, cancel it, and
// copy the commands that load the result in Ollama, llama.cpp or PEFT.
import { useState, type JSX } from 'react';
import type { Project, Run } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { ErrorText } from '../../components/Field';
import { NeedsProject } from '../../components/NeedsProject';
import { StepHeader } from '../../components/StepHeader';
import type { Notify } from '../../components/Toasts';
import { useApiQuery } from '../../hooks/useApiQuery';
import { ExportForm } from './ExportForm';
import { ExportsTable } from './ExportsTable';
import './export.css';

const SUBTITLE = 'Take the adapter to the tools you already use: Ollama, llama.cpp, ONNX Runtime, Hugging Face PEFT or a merged model.';

function ProjectExports({ project, notify }: { project: Project; notify: Notify }): JSX.Element {
  const runs = useApiQuery<Run[]>(() => api.runs.list({ projectId: project.id }));
  const [shown, setShown] = useState<string>();
  const [refresh, setRefresh] = useState(0);
  const usable = (runs.data ?? []).filter((r) => r.status !== 'queued');
  const runId = shown ?? usable[0]?.id;
  return (
    <>
      {runs.error && <ErrorText error={runs.error} />}
      {runs.data && usable.length === 0 && (
        <div className="empty" data-testid="export-no-runs">
          <h2 className="empty-title">Nothing to export yet</h2>
          <p className="empty-text">Train an adapter first: once a run has a checkpoint or finishes, it can be exported from here.</p>
          <a className="btn btn-primary" href="#/train">Go to Train</a>
        </div>
      )}
      {usable.length > 0 && (
        <ExportForm
          runs={usable}
          notify={notify}
          onStarted={(id) => {
            setShown(id);
            setRefresh((n) => n + 1);
          }}
        />
      )}
      {runId && (
        <section aria-label="Exports of this run">
          <h2 className="section-title">Exports</h2>
          <ExportsTable runId={runId} notify={notify} refresh={refresh} />
        </section>
      )}
    </>
  );
}

export function ExportPage({ project, notify }: { project: Project | undefined; notify: Notify }): JSX.Element {
  return (
    <section className="page page-wide" aria-labelledby="page-title" data-testid="export-page">
      <StepHeader step="export" subtitle={SUBTITLE} />
      {project ? <ProjectExports project={project} notify={notify} /> : <NeedsProject icon="export" text="Exports belong to a project's training runs." />}
    </section>
  );
}
