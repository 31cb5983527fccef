// The mixture editor of the New run form: more datasets trained with the main one, each with a weight and a template.
// Rows are kept as JSON strings in the form's values (one per dataset) and parsed when the run starts.
import type { JSX } from 'react';
import { Icon } from '../../components/Icon';

export interface MixtureRow {
  dataset: string;
  /** As typed (text while editing, so "0." survives); parsed when the run starts. */
  weight: number | string;
  chatTemplate?: string;
}

/** A form value row (JSON text) as an entry; a row the user has not finished reads as an empty dataset. */
export function readRow(s: string): MixtureRow {
  try {
    const v = JSON.parse(s) as Partial<MixtureRow>;
    return { dataset: typeof v.dataset === 'string' ? v.dataset : '', weight: typeof v.weight === 'number' || typeof v.weight === 'string' ? v.weight : 1, ...(typeof v.chatTemplate === 'string' && v.chatTemplate ? { chatTemplate: v.chatTemplate } : {}) };
  } catch {
    return { dataset: '', weight: 1 };
  }
}

export const writeRow = (r: MixtureRow): string => JSON.stringify(r);

export function MixtureInput(props: {
  id: string;
  rows: string[];
  /** The project's datasets, offered by name. */
  datasets: { id: string; name: string }[];
  templates: string[];
  invalid: boolean;
  onChange: (rows: string[]) => void;
}): JSX.Element {
  const rows = props.rows.map(readRow);
  const set = (i: number, patch: Partial<MixtureRow>) => props.onChange(rows.map((r, k) => writeRow(k === i ? { ...r, ...patch } : r)));
  return (
    <div className="mixture" id={props.id} data-testid={props.id} role="group" aria-labelledby={`${props.id}-label`}>
      <datalist id={`${props.id}-datasets`}>
        {props.datasets.map((d) => (
          <option key={d.id} value={d.name} />
        ))}
      </datalist>
      {rows.map((r, i) => (
        <div className="mixture-row" key={i} data-testid={`${props.id}-row`}>
          {/* A dataset's name (offered from the project), its id, or a file path: the server resolves all three. */}
          <input
            className="input input-sm mixture-dataset"
            list={`${props.id}-datasets`}
            aria-label={`Mixture dataset ${i + 1}`}
            aria-invalid={props.invalid && !r.dataset ? true : undefined}
            placeholder="dataset name or file path"
            value={r.dataset}
            onChange={(e) => set(i, { dataset: e.target.value })}
            autoComplete="off"
            spellCheck={false}
          />
          <label className="mixture-weight">
            <span>weight</span>
            <input className="input input-sm input-num" inputMode="decimal" aria-label={`Weight of mixture dataset ${i + 1}`} value={String(r.weight)} onChange={(e) => set(i, { weight: e.target.value })} />
          </label>
          <select className="input input-sm select" aria-label={`Chat template of mixture dataset ${i + 1}`} value={r.chatTemplate ?? ''} onChange={(e) => set(i, { chatTemplate: e.target.value || undefined })}>
            <option value="">run's template</option>
            {props.templates.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <button type="button" className="icon-btn" aria-label={`Remove mixture dataset ${i + 1}`} title="Remove from the mixture" onClick={() => props.onChange(props.rows.filter((_, k) => k !== i))}>
            <Icon name="x" />
          </button>
        </div>
      ))}
      <button type="button" className="btn btn-sm" onClick={() => props.onChange([...props.rows, writeRow({ dataset: '', weight: 1 })])}>
        Add a dataset to the mix
      </button>
    </div>
  );
}
