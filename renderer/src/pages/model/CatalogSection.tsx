// The curated catalog: known-good small open models with size, licence, gating, chat readiness, and the engine's own
// memory plan for QLoRA at seq 1024 and 2048 (r 16) on this machine: fits on the GPU / CPU only / does not fit.
import { useState, type JSX } from 'react';
import type { CatalogView } from '../../../../main/api/contract-models';
import { api } from '../../api/client';
import { ErrorText } from '../../components/Field';
import { useApiQuery } from '../../hooks/useApiQuery';
import { formatBytes } from './bytes';
import { FitBadge } from './FitBadge';
import { LearnLink } from '../learn/LearnLink';
import { formatParams } from './ModelSummaryCard';

export function CatalogSection(props: { onDownload: (repo: string) => void; downloading: boolean }): JSX.Element {
  const [open, setOpen] = useState(false);
  return (
    <section className="card catalog-section" aria-labelledby="catalog-title" data-testid="model-catalog">
      <header className="section-head">
        <h2 id="catalog-title" className="card-title">
          Catalog of small open models
        </h2>
        <LearnLink section="approaches">Why does QLoRA fit when full fine-tuning doesn't?</LearnLink>
        <button type="button" className="btn btn-sm" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="catalog-toggle">
          {open ? 'Hide' : 'Show the catalog'}
        </button>
      </header>
      {open && <CatalogTable onDownload={props.onDownload} downloading={props.downloading} />}
    </section>
  );
}

function CatalogTable(props: { onDownload: (repo: string) => void; downloading: boolean }): JSX.Element {
  const view = useApiQuery<CatalogView>(() => api.models.catalog());
  if (view.error) return <ErrorText error={view.error} />;
  if (!view.data) return <p className="form-hint">Planning each model with the engine…</p>;
  const { settings, machine, entries } = view.data;
  return (
    <>
      <p className="form-hint">
        Memory the engine plans for QLoRA ({settings.quant}, rank {settings.loraR}, micro-batch {settings.microBatch}) — the same plan as the Train step’s fit check — against this machine: {formatBytes(machine.freeBytes)} of RAM free
        {machine.gpus.length ? `, ${machine.gpus.map((g) => `${g.name} (${formatBytes(g.memoryBytes)})`).join(', ')}` : ', no GPU the engine can train on'}.
      </p>
      <div className="table-wrap">
        <table className="catalog-table" data-testid="catalog-table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Size</th>
              <th scope="col">Licence</th>
              {settings.seqLens.map((n) => (
                <th key={n} scope="col">
                  seq {n}
                </th>
              ))}
              <th scope="col" aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-testid="catalog-row" data-repo={e.repo}>
                <th scope="row">
                  <div className="catalog-name">{e.name}</div>
                  <div className="catalog-repo">{e.repo}</div>
                </th>
                <td>
                  {formatParams(e.parameterCount)} <span className="muted">· {formatBytes(e.weightBytes)}</span>
                </td>
                <td>
                  {e.license}
                  {e.gated && (
                    <span className="badge badge-warn" title="Request access on the model's page, then save a Hugging Face token">
                      gated
                    </span>
                  )}
                  {e.chatTemplate && <span className="badge badge-muted">chat</span>}
                </td>
                {e.plans.map((p) => (
                  <td key={p.seqLen} data-testid={`catalog-fit-${p.seqLen}`} data-fit={p.fit} data-planned={p.plannedBytes}>
                    <FitBadge fit={p.fit} plannedBytes={p.plannedBytes} seqLen={p.seqLen} />
                    <div className="muted catalog-plan">{formatBytes(p.plannedBytes)}</div>
                  </td>
                ))}
                <td>
                  {e.libraryId ? (
                    <span className="pill pill-accent">In library</span>
                  ) : (
                    <button type="button" className="btn btn-sm" disabled={props.downloading} onClick={() => props.onDownload(e.revision === 'main' ? e.repo : `${e.repo}@${e.revision}`)}>
                      Download
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
