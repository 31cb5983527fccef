// Pick the source (a run and one of its checkpoints, the best by validation loss preselected) and the targets; the
// size of each target is estimated before anything starts.
import { useEffect, useState, type JSX } from 'react';
import type { Run, RunDetail } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { toApiError } from '../../api/errors';
import { Icon } from '../../components/Icon';
import type { Notify } from '../../components/Toasts';
import { formatSize, GGUF_QUANTS, MERGED_DTYPES, quantFor, TARGETS, type Format, type Quant } from './export-options';

type Checkpoint = RunDetail['checkpoints'][number];

function bestOf(cps: Checkpoint[]): Checkpoint | undefined {
  return [...cps].filter((c) => c.evalLoss !== null).sort((a, b) => a.evalLoss! - b.evalLoss! || b.step - a.step)[0];
}

export function ExportForm({ runs, notify, onStarted }: { runs: Run[]; notify: Notify; onStarted: (runId: string) => void }): JSX.Element {
  const [runId, setRunId] = useState(runs[0]?.id ?? '');
  const [checkpoints, setCheckpoints] = useState<Checkpoint[]>([]);
  const [checkpoint, setCheckpoint] = useState<string>('best');
  const [formats, setFormats] = useState<Format[]>(['gguf', 'ollama']);
  const [gguf, setGguf] = useState<Quant>('q4_k_m');
  const [merged, setMerged] = useState<Quant>('f16');
  const [sizes, setSizes] = useState<Partial<Record<Format, number | string>>>({});
  const [starting, setStarting] = useState(false);

  useEffect(() => {
    if (!runId) return;
    let live = true;
    api.runs.get({ id: runId }).then(
      (d) => {
        if (!live) return;
        setCheckpoints(d.checkpoints);
        const best = bestOf(d.checkpoints);
        setCheckpoint(best ? String(best.step) : 'final');
      },
      () => live && setCheckpoints([]),
    );
    return () => {
      live = false;
    };
  }, [runId]);

  const source = { runId, checkpoint: checkpoint === 'best' || checkpoint === 'final' ? checkpoint : Number(checkpoint) } as const;

  useEffect(() => {
    if (!runId) return;
    let live = true;
    setSizes({});
    for (const format of formats) {
      api.exports.estimate({ source, format, quant: quantFor(format, gguf, merged) }).then(
        (r) => live && setSizes((s) => ({ ...s, [format]: r.bytes })),
        (err) => live && setSizes((s) => ({ ...s, [format]: toApiError(err).message })),
      );
    }
    return () => {
      live = false;
    };
    // `source` is rebuilt from runId and checkpoint on each render, so those are the dependencies.
  }, [runId, checkpoint, formats, gguf, merged]);

  const toggle = (f: Format) => setFormats((fs) => (fs.includes(f) ? fs.filter((x) => x !== f) : [...fs, f]));
  const total = formats.reduce((a, f) => a + (typeof sizes[f] === 'number' ? (sizes[f] as number) : 0), 0);

  async function start(): Promise<void> {
    setStarting(true);
    try {
      for (const format of formats) await api.exports.start({ source, format, quant: quantFor(format, gguf, merged) });
      notify(`Started ${formats.length} export${formats.length > 1 ? 's' : ''}`);
      onStarted(runId);
    } catch (err) {
      const e = toApiError(err);
      notify(e.message, { kind: 'error', detail: e.hint });
    } finally {
      setStarting(false);
    }
  }

  const best = bestOf(checkpoints);
  return (
    <div className="card export-form" data-testid="export-form">
      <div className="form-grid">
        <div className="field">
          <label className="field-label" htmlFor="export-run">Run</label>
          <select id="export-run" className="input select" value={runId} onChange={(e) => setRunId(e.target.value)} data-testid="export-run">
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} ({r.status})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="field-label" htmlFor="export-checkpoint">Adapter</label>
          <select id="export-checkpoint" className="input select" value={checkpoint} onChange={(e) => setCheckpoint(e.target.value)} data-testid="export-checkpoint">
            <option value="final">Final adapter</option>
            {checkpoints.map((c) => (
              <option key={c.step} value={String(c.step)}>
                Step {c.step}
                {c.evalLoss !== null ? ` · validation loss ${c.evalLoss.toFixed(4)}` : ''}
                {best?.step === c.step ? ' (best)' : ''}
              </option>
            ))}
          </select>
        </div>
      </div>
      <fieldset className="export-targets">
        <legend className="field-label">Targets</legend>
        {TARGETS.map((t) => (
          <label key={t.format} className="export-target" data-testid={`target-${t.format}`}>
            <input type="checkbox" checked={formats.includes(t.format)} onChange={() => toggle(t.format)} />
            <span>
              <strong>{t.label}</strong> <span className="subtle">{t.text}</span>
            </span>
            <span className="export-size" data-testid={`size-${t.format}`}>
              {formats.includes(t.format) ? (typeof sizes[t.format] === 'number' ? `≈ ${formatSize(sizes[t.format] as number)}` : (sizes[t.format] ?? '…')) : ''}
            </span>
          </label>
        ))}
      </fieldset>
      <div className="form-grid">
        <div className="field">
          <label className="field-label" htmlFor="export-gguf">GGUF quantization</label>
          <select id="export-gguf" className="input select" value={gguf} onChange={(e) => setGguf(e.target.value as Quant)} data-testid="export-gguf-quant">
            {GGUF_QUANTS.map((q) => (
              <option key={q.quant} value={q.quant}>{q.label}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="field-label" htmlFor="export-merged">Merged folder precision</label>
          <select id="export-merged" className="input select" value={merged} onChange={(e) => setMerged(e.target.value as Quant)}>
            {MERGED_DTYPES.map((q) => (
              <option key={q.quant} value={q.quant}>{q.label}</option>
            ))}
          </select>
        </div>
      </div>
      <div className="form-actions">
        <span className="subtle" data-testid="export-total">{formats.length ? `About ${formatSize(total)} in total` : 'Pick at least one target'}</span>
        <button type="button" className="btn btn-primary" disabled={!runId || !formats.length || starting} onClick={() => void start()} data-testid="export-start">
          <Icon name="export" /> Export
        </button>
      </div>
    </div>
  );
}
