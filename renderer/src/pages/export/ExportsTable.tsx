// The exports of a run: live progress with cancel, then files, sizes, the merge-quality figure and copyable commands.
import { useEffect, useState, type JSX } from 'react';
import type { ExportView } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { toApiError } from '../../api/errors';
import { Icon } from '../../components/Icon';
import type { Notify } from '../../components/Toasts';
import { relativeTime } from '../../format';
import { formatSize } from './export-options';

function CopyCommand({ label, command, notify }: { label: string; command: string; notify: Notify }): JSX.Element {
  async function copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(command);
      notify('Copied to the clipboard');
    } catch {
      notify('The clipboard is not available here: select the command and copy it.', { kind: 'error' });
    }
  }
  return (
    <div className="export-command">
      <span className="subtle">{label}</span>
      <code data-testid="export-command">{command}</code>
      <button type="button" className="btn btn-sm" onClick={() => void copy()} aria-label={`Copy: ${label}`}>
        Copy
      </button>
    </div>
  );
}

function ExportRow({ e, progress, notify }: { e: ExportView; progress?: { phase: string; done: number; total: number }; notify: Notify }): JSX.Element {
  async function cancel(): Promise<void> {
    try {
      await api.exports.cancel({ id: e.id });
    } catch (err) {
      notify(toApiError(err).message, { kind: 'error' });
    }
  }
  const pct = progress && progress.total ? Math.round((progress.done / progress.total) * 100) : 0;
  return (
    <li className="card export-row" data-testid="export-row" data-format={e.format} data-status={e.status}>
      <div className="export-row-head">
        <strong>{e.format}</strong>
        {e.quant && <span className="subtle"> {e.quant}</span>}
        {e.checkpoint !== null && <span className="subtle"> · step {e.checkpoint}</span>}
        <span className={`export-status export-status-${e.status}`} data-testid="export-status">{e.status}</span>
        <span className="subtle">{relativeTime(e.createdAt)}</span>
      </div>
      {e.status === 'running' && (
        <div className="export-progress">
          <span className="bar" aria-label={`${pct}%`}>
            <span className="bar-fill" style={{ width: `${pct}%` }} />
          </span>
          <span className="subtle">{progress ? `${progress.phase} ${progress.done}/${progress.total}` : 'starting…'}</span>
          <button type="button" className="btn btn-sm" onClick={() => void cancel()} data-testid="export-cancel">
            <Icon name="x" /> Cancel
          </button>
        </div>
      )}
      {e.error && <div className="field-error-message">{e.error.message}</div>}
      {e.status === 'completed' && (
        <>
          <ul className="export-files">
            {e.files.map((f) => (
              <li key={f.path} data-testid="export-file">
                <code>{f.path}</code> <span className="subtle">{formatSize(f.bytes)}</span>
              </li>
            ))}
          </ul>
          {e.mergeKL !== null && (
            <p className="subtle" data-testid="export-kl">
              Merge quality: KL {e.mergeKL.toExponential(2)} per token between the adapter on the training-time (quantized) base and the merged model.
              {e.mergeKL > 0.05 && ' That is high: consider the PEFT or GGUF LoRA export, which keep the adapter separate.'}
            </p>
          )}
          {e.commands.map((c) => (
            <CopyCommand key={c.command} label={c.label} command={c.command} notify={notify} />
          ))}
        </>
      )}
    </li>
  );
}

export function ExportsTable({ runId, notify, refresh }: { runId: string; notify: Notify; refresh: number }): JSX.Element {
  const [rows, setRows] = useState<ExportView[]>([]);
  const [progress, setProgress] = useState<Record<string, { phase: string; done: number; total: number }>>({});
  useEffect(() => {
    let live = true;
    api.exports.list({ runId }).then((r) => live && setRows(r), () => undefined);
    return () => {
      live = false;
    };
  }, [runId, refresh]);
  useEffect(() => {
    const offP = api.on('exports.progress', (p) => setProgress((s) => ({ ...s, [p.id]: p })));
    const offS = api.on('exports.status', ({ export: e }) => {
      if (e.runId !== runId) return;
      setRows((rs) => (rs.some((r) => r.id === e.id) ? rs.map((r) => (r.id === e.id ? e : r)) : [e, ...rs]));
      if (e.status === 'failed') notify(`Export ${e.format} failed`, { kind: 'error', detail: e.error?.message });
    });
    return () => {
      offP();
      offS();
    };
  }, [runId, notify]);
  if (!rows.length) return <p className="subtle" data-testid="exports-empty">No exports of this run yet.</p>;
  return (
    <ul className="export-list" aria-label="Exports" data-testid="export-list">
      {rows.map((e) => (
        <ExportRow key={e.id} e={e} progress={progress[e.id]} notify={notify} />
      ))}
    </ul>
  );
}
