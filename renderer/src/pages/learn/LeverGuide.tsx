// Section 6: fine-tune, RAG or prompt? Reads up to 100 rows of the project's newest dataset and says which lever fits.
import { useEffect, useState, type JSX } from 'react';
import type { DatasetSummary, Project } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { ErrorText } from '../../components/Field';
import { useApiQuery } from '../../hooks/useApiQuery';
import { adviseLever, type GuideRow } from './lever-guide';

function Advice({ dataset }: { dataset: DatasetSummary }): JSX.Element {
  const rows = useApiQuery(() => api.datasets.rows({ id: dataset.id, offset: 0, limit: 100 }));
  if (rows.error) return <ErrorText error={rows.error} />;
  if (!rows.data) return <p className="form-hint">Reading {dataset.name}…</p>;
  const a = adviseLever(rows.data.rows.map((r) => r.row as GuideRow));
  return (
    <div className="learn-advice" data-testid="learn-advice" data-lever={a.lever}>
      <p>
        From {a.stats.rows} rows of <strong>{dataset.name}</strong> ({dataset.format}): <strong>{a.title}</strong>
      </p>
      <ul>{a.why.map((w) => <li key={w}>{w}</li>)}</ul>
    </div>
  );
}

export function LeverGuide({ project }: { project: Project | undefined }): JSX.Element {
  const [pick, setPick] = useState('');
  const list = useApiQuery(() => (project ? api.datasets.list({ projectId: project.id }) : Promise.resolve([] as DatasetSummary[])));
  useEffect(() => {
    if (!pick && list.data?.[0]) setPick(list.data[0].id);
  }, [pick, list.data]);
  const ds = list.data?.find((d) => d.id === pick);
  return (
    <div className="learn-demo">
      <ul className="learn-rules">
        <li><strong>New facts</strong> (prices, product specs, last week&apos;s news): retrieval. Put the documents in the prompt when answering; the model reads, not remembers.</li>
        <li><strong>A whole domain</strong> (its words, its style): mid-training on its text, then SFT.</li>
        <li><strong>Behaviour and format</strong> (tone, JSON, steps, refusals): SFT. Try a prompt with examples first.</li>
        <li><strong>Reasoning you can check</strong> (maths, code that must pass tests): RL with rewards (GRPO).</li>
      </ul>
      {list.error && <ErrorText error={list.error} />}
      {list.data && !list.data.length && <p className="form-hint" data-testid="learn-advice-empty">{project ? 'This project has no dataset yet: import one on the Data step and the guide reads it.' : 'Open a project with a dataset and the guide reads it.'}</p>}
      {list.data && list.data.length > 1 && (
        <label className="field-label">Dataset <select className="input input-sm" value={pick} onChange={(e) => setPick(e.target.value)}>
          {list.data.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
        </select></label>
      )}
      {ds && <Advice key={ds.id} dataset={ds} />}
    </div>
  );
}
