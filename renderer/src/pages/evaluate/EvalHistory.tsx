// The project's stored evaluations (lineage: run, checkpoint, data hash, settings), newest first; one opens in full.
import { useState, type JSX } from 'react';
import type { Project } from '../../../../main/api/contract';
import type { EvalRecord, EvalResult } from '../../../../main/api/contract-evals';
import { api } from '../../api/client';
import { useApiQuery } from '../../hooks/useApiQuery';
import { ResultView } from './ResultView';

const side = (r: EvalRecord, s: EvalRecord['base']) => (!s ? '—' : r.kind === 'task' ? `${((s.passRate ?? 0) * 100).toFixed(1)}%` : s.loss?.toFixed(3) ?? 'n/a');

export function EvalHistory({ project }: { project: Project }): JSX.Element {
  const list = useApiQuery<EvalRecord[]>(() => api.evals.list({ projectId: project.id }));
  const [open, setOpen] = useState<{ id: string; result: EvalResult }>();
  if (!list.data?.length) return <></>;
  return (
    <div className="card eval-card" data-testid="eval-history">
      <h2 className="card-title">Evaluations in this project</h2>
      <table className="eval-table">
        <thead><tr><th>When</th><th>On</th><th>Checkpoint</th><th>Base</th><th>Adapter</th><th>Data hash</th><th /></tr></thead>
        <tbody>
          {list.data.map((r) => (
            <tr key={r.id} data-testid="eval-history-row">
              <td>{new Date(r.createdAt).toLocaleString()}</td>
              <td>{r.sourceKind}</td>
              <td>{r.checkpoint ?? 'final'}</td>
              <td>{side(r, r.base)}</td>
              <td>{side(r, r.adapterSide)}</td>
              <td title={r.dataHash}>{r.dataHash.slice(0, 10)}</td>
              <td>
                <button type="button" className="btn btn-sm" onClick={() => void api.evals.get({ id: r.id }).then((g) => setOpen({ id: r.id, result: g.result }))}>Open</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && <ResultView key={open.id} result={open.result} />}
    </div>
  );
}
